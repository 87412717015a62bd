// Reads the figures of the stats line and of window.echtzeit.snapshot()
// from RTCPeerConnection.getStats() (W3C webrtc-stats): the video
// inbound-rtp and outbound-rtp streams, their codecs and the selected
// candidate pair.

import { candidatePair } from "./ice.js";

function codecName(report, codecId) {
  const c = codecId ? report.get(codecId) : null;
  if (!c || !c.mimeType) return "";
  return c.mimeType.replace(/^video\//i, "");
}

function selectedPair(report) {
  for (const s of report.values()) {
    if (s.type === "transport" && s.selectedCandidatePairId) return report.get(s.selectedCandidatePairId);
  }
  for (const s of report.values()) {
    if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") return s;
  }
  return null;
}

function pick(report, type) {
  // With several video streams of a kind, take the one with the most bytes.
  let best = null;
  const bytes = type === "inbound-rtp" ? "bytesReceived" : "bytesSent";
  for (const s of report.values()) {
    if (s.type !== type || (s.kind ?? s.mediaType) !== "video") continue;
    if (!best || (s[bytes] ?? 0) > (best[bytes] ?? 0)) best = s;
  }
  return best;
}

const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** One getStats() reading: {inbound, outbound, candidatePair} with the raw counters, or nulls. */
export async function readStats(pc) {
  const report = await pc.getStats();
  const pair = selectedPair(report);
  const rttMs = pair && typeof pair.currentRoundTripTime === "number" ? pair.currentRoundTripTime * 1000 : 0;
  const i = pick(report, "inbound-rtp");
  const o = pick(report, "outbound-rtp");
  const inbound = i
    ? {
        timestamp: num(i.timestamp),
        framesDecoded: num(i.framesDecoded),
        framesReceived: num(i.framesReceived),
        framesDropped: num(i.framesDropped),
        frameWidth: num(i.frameWidth),
        frameHeight: num(i.frameHeight),
        framesPerSecond: num(i.framesPerSecond),
        bytesReceived: num(i.bytesReceived),
        packetsReceived: num(i.packetsReceived),
        packetsLost: num(i.packetsLost),
        jitter: num(i.jitter),
        freezeCount: num(i.freezeCount),
        totalFreezesDuration: num(i.totalFreezesDuration),
        codec: codecName(report, i.codecId),
        rttMs,
        decoderImplementation: i.decoderImplementation ?? "",
        // Where the receiver's milliseconds go (seconds, summed over frames).
        totalDecodeTime: num(i.totalDecodeTime),
        totalProcessingDelay: num(i.totalProcessingDelay),
        jitterBufferDelay: num(i.jitterBufferDelay),
        jitterBufferTargetDelay: num(i.jitterBufferTargetDelay),
        jitterBufferMinimumDelay: num(i.jitterBufferMinimumDelay),
        jitterBufferEmittedCount: num(i.jitterBufferEmittedCount),
        totalAssemblyTime: num(i.totalAssemblyTime),
        framesAssembledFromMultiplePackets: num(i.framesAssembledFromMultiplePackets),
      }
    : null;
  const outbound = o
    ? {
        timestamp: num(o.timestamp),
        framesEncoded: num(o.framesEncoded),
        framesSent: num(o.framesSent),
        frameWidth: num(o.frameWidth),
        frameHeight: num(o.frameHeight),
        framesPerSecond: num(o.framesPerSecond),
        bytesSent: num(o.bytesSent),
        codec: codecName(report, o.codecId),
        targetBitrate: num(o.targetBitrate),
        // Where the sender's milliseconds go (seconds, summed).
        totalEncodeTime: num(o.totalEncodeTime),
        totalPacketSendDelay: num(o.totalPacketSendDelay),
        packetsSent: num(o.packetsSent),
      }
    : null;
  return { inbound, outbound, candidatePair: candidatePair(report, pair) };
}

/**
 * The stats line's figures from two readings a second apart: fps (the
 * decoder's framesPerSecond, else the rate of framesDecoded; for a sender
 * only, the encoder's), bitrate in kbit/s and packet loss in % over the
 * interval (bytes and packets received, or sent for a sender only).
 */
export function derive(prev, cur) {
  const out = { fps: 0, bitrateKbps: 0, packetLossPct: 0 };
  const i = cur.inbound;
  const pi = prev?.inbound;
  if (i) {
    const dt = pi ? (i.timestamp - pi.timestamp) / 1000 : 0;
    out.fps = i.framesPerSecond || (dt > 0 ? (i.framesDecoded - pi.framesDecoded) / dt : 0);
    if (dt > 0) {
      out.bitrateKbps = ((i.bytesReceived - pi.bytesReceived) * 8) / dt / 1000;
      const lost = i.packetsLost - pi.packetsLost;
      const got = i.packetsReceived - pi.packetsReceived;
      out.packetLossPct = lost > 0 && lost + got > 0 ? (100 * lost) / (lost + got) : 0;
    }
    return out;
  }
  const o = cur.outbound;
  const po = prev?.outbound;
  if (o) {
    const dt = po ? (o.timestamp - po.timestamp) / 1000 : 0;
    out.fps = o.framesPerSecond || (dt > 0 ? (o.framesEncoded - po.framesEncoded) / dt : 0);
    if (dt > 0) out.bitrateKbps = ((o.bytesSent - po.bytesSent) * 8) / dt / 1000;
  }
  return out;
}
