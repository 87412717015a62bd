// The ICE configuration of the page's RTCPeerConnection: the STUN and TURN
// servers from the signaling server's GET /iceservers (DESIGN.md), fetched
// once when the page starts and again when half the credentials' lifetime
// has passed, and the relay-only policy (?relay=1, W3C webrtc-pc
// iceTransportPolicy "relay"). Also the figures of the ICE path: the gathering
// time and the selected candidate pair (from getStats).

import { takeEarlyFetch } from "./earlysocket.js";

export class IceConfig {
  /** relayOnly: use relayed candidates only; url: where the list is. */
  constructor({ relayOnly = false, url = "/iceservers" } = {}) {
    this.relayOnly = relayOnly;
    this.url = url;
    this.servers = [];
    this.expires = 0; // ms epoch; 0 = fetch again before the next session
    this.pending = null;
  }

  /**
   * Starts fetching (at page start, beside the WebSocket; the first time it
   * takes over the request index.html's inline script started); never rejects.
   */
  load() {
    if (this.pending) return this.pending;
    this.pending = (takeEarlyFetch(this.url) ?? fetch(this.url, { cache: "no-store" }))
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`${this.url}: HTTP ${r.status}`))))
      .then((body) => {
        this.servers = Array.isArray(body?.iceServers) ? body.iceServers : [];
        const ttl = Number(body?.ttl) || 0;
        this.expires = ttl > 0 ? Date.now() + (ttl * 1000) / 2 : Infinity;
      })
      .catch((e) => {
        console.warn("echtzeit: no ICE servers:", e.message);
        this.servers = [];
        this.expires = 0;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }

  /** Resolves once the list is there and fresh. */
  async ready() {
    if (this.pending) await this.pending;
    if (Date.now() >= this.expires) await this.load();
  }

  /** The RTCConfiguration for a new RTCPeerConnection. */
  configuration() {
    const c = { iceServers: this.servers };
    if (this.relayOnly) c.iceTransportPolicy = "relay";
    return c;
  }

  /** What snapshot() reports beside a session's figures. */
  describe() {
    return { relayOnly: this.relayOnly, servers: this.servers.map((s) => [].concat(s.urls)).flat() };
  }
}

/**
 * Measures pc's ICE gathering: from the state "gathering" to "complete", in
 * ms; calls done(ms) once.
 */
export function watchGathering(pc, now, done) {
  let start = null;
  pc.addEventListener("icegatheringstatechange", () => {
    const s = pc.iceGatheringState;
    if (s === "gathering" && start === null) start = now();
    if (s === "complete" && start !== null) {
      done(now() - start);
      start = NaN;
    }
  });
}

/** The selected candidate pair of a getStats() report, as snapshot() shows it, or null. */
export function candidatePair(report, pair) {
  if (!pair) return null;
  const local = report.get(pair.localCandidateId);
  const remote = report.get(pair.remoteCandidateId);
  if (!local || !remote) return null;
  const out = {
    localType: local.candidateType ?? "",
    remoteType: remote.candidateType ?? "",
    protocol: local.protocol ?? "",
  };
  if (local.candidateType === "relay" && local.relayProtocol) out.relayProtocol = local.relayProtocol;
  return out;
}
