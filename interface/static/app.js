// The echtzeit page (SPEC §4, thesis §4.5): joins a room through the
// signaling server, negotiates one RTCPeerConnection with the other
// participant and shows its video. window.echtzeit (DESIGN.md) exposes the
// state, the setup phases, getStats counters and the frame code figures.

import { checkRoomID, newRoomID, parseFormat } from "./ids.js";
import { Signaling, signalingURL } from "./signaling.js";
import { signalingURLs } from "./servers.js";
import { readStats, derive } from "./stats.js";
import { FrameCodeReader, FrameCodeStats } from "./framecode.js";
import { IceConfig, watchGathering } from "./ice.js";

/** Unix ms with sub-ms precision, on the page's monotonic clock. */
const now = () => performance.timeOrigin + performance.now();

const PHASES = ["navigation", "pageLoaded", "wsOpen", "hello", "joined", "offer", "answer", "iceConnected", "dtlsConnected", "firstFrame"];

const ERROR_TEXT = {
  "room-full": "This room is full: it already has its participants.",
  "bad-room-id": "The server refused the room ID.",
  "protocol-violation": "The server closed the connection after a protocol violation.",
  "not-in-room": "Not in a room.",
  "server-shutdown": "The server is shutting down.",
  "server-full": "The server has no room for more connections.",
  "rate-limited": "Too many messages; the server slowed this page down.",
  "message-too-large": "A message was too large for the server.",
  "media": "The camera could not be opened.",
  "ice-failed": "The connection to the other participant failed (ICE).",
};

export class Echtzeit {
  constructor(ui, params) {
    this.ui = ui;
    this.state = "connecting";
    this.id = null;
    this.room = null;
    this.session = 0;
    this.error = null;
    this.phases = Object.fromEntries(PHASES.map((p) => [p, null]));
    this.phases.navigation = performance.timeOrigin;
    this.phases.pageLoaded = now(); // the modules are loaded and run
    this.connPhases = { pageLoaded: this.phases.pageLoaded, wsOpen: null, hello: null };
    this.inbound = null;
    this.outbound = null;
    this.derived = { fps: 0, bitrateKbps: 0, packetLossPct: 0 };
    this.lastReading = null;
    this.frameCode = new FrameCodeStats();
    this.reader = null;
    this.quality = null; // QualitySampler with ?quality=N (every N-th frame)
    if (params.quality > 0) {
      import("./quality.js")
        .then((m) => (this.quality = new m.QualitySampler(params.quality)))
        .catch((e) => this.log("quality:", e.message));
    }

    this.pc = null;
    this.remoteId = null;
    this.polite = false; // the newcomer answers and yields on glare
    this.negotiated = false; // the first offer/answer of this session is done
    this.makingOffer = false;
    this.pendingCandidates = [];
    this.statsTimer = null;

    this.pendingRoom = null; // join once Hello arrives
    this.joiningRoom = null; // JoinOrCreate sent, no answer yet
    this.nextRoom = null; // join() called while joiningRoom
    this.joinWaiter = null;
    this.chain = Promise.resolve(); // serialises message handling

    this.localStream = null;
    this.localStreamPromise = null;
    this.canvasSource = null; // the test pattern when sending one (shareCanvas)
    this.formatRequest = null; // {width, height, fps, codec} sent to the other participant
    this.codec = params.codec || null;
    this.ice = new IceConfig({ relayOnly: params.relay });
    this.iceStats = { gatheringMs: null, candidatePair: null };

    this.signaling = new Signaling(signalingURL(), {
      onConnecting: () => this.setState("connecting"),
      onOpen: (at) => {
        this.connPhases.wsOpen = at ?? now();
        this.phases.wsOpen = this.connPhases.wsOpen;
        this.log("signaling socket open");
      },
      onJoinOnConnect: (room) => {
        this.joiningRoom = room; // sent with the socket's URL
      },
      onMessage: (msg, at) => this.enqueue(() => this.onMessage(msg, at)),
      onClose: (ev) => this.enqueue(() => this.onSocketClosed(ev)),
    });
  }

  start() {
    this.ice.load();
    this.signaling.start();
    signalingURLs().then((urls) => this.signaling.setURLs(urls));
    this.startFrameLoop();
  }

  log(...args) {
    console.info("echtzeit:", ...args);
  }

  enqueue(fn) {
    this.chain = this.chain.then(fn).catch((e) => {
      console.error("echtzeit:", e);
      this.showError({ code: "internal", message: String(e?.message ?? e) });
    });
    return this.chain;
  }

  setState(s) {
    if (this.state === s) return;
    this.state = s;
    this.ui.render(this);
  }

  showError(err) {
    this.error = { code: String(err.code ?? "error"), message: String(err.message ?? "") };
    this.ui.render(this);
  }

  clearError() {
    this.error = null;
    this.ui.render(this);
  }

  send(msg) {
    if (!this.signaling.send(msg)) {
      this.log("not sent, socket not open:", msg.type);
      return false;
    }
    return true;
  }

  signal(payload) {
    const msg = { type: "Signal", signal: payload };
    if (this.remoteId) msg.to = this.remoteId;
    return this.send(msg);
  }

  // ---- signaling messages (SPEC §2) -------------------------------------

  async onMessage(msg, at) {
    switch (msg.type) {
      case "Hello":
        this.id = msg.id;
        this.connPhases.hello = at ?? now();
        this.phases.hello = this.connPhases.hello;
        this.setState("connected");
        if (this.pendingRoom) {
          const room = this.pendingRoom;
          this.pendingRoom = null;
          this.sendJoin(room);
        }
        break;
      case "Joined":
        await this.ice.ready(); // the peer connection is created right after Joined
        this.onJoined(msg);
        break;
      case "Error":
        this.onServerError(msg);
        break;
      case "Room/Join":
        await this.ice.ready();
        await this.onPeerJoined(msg.id);
        break;
      case "Room/Leave":
        if (msg.id === this.remoteId) {
          this.log("the other participant left", msg.id);
          this.endSession();
          this.setState("left");
        }
        break;
      case "Room/Signal":
        await this.onSignal(msg.from, msg.signal);
        break;
      default:
        this.log("ignored message", msg.type);
    }
    this.ui.render(this);
  }

  onSocketClosed(ev) {
    this.log("signaling socket closed", ev.code, ev.reason, "retry in", ev.retryInMs);
    if (this.room || this.joiningRoom) this.pendingRoom = this.nextRoom ?? this.room ?? this.joiningRoom; // join again after the next Hello
    this.joiningRoom = null;
    this.nextRoom = null;
    this.endSession();
    this.room = null;
    this.id = null;
    if (this.joinWaiter && !this.pendingRoom) {
      this.joinWaiter.reject(new Error("signaling connection closed"));
      this.joinWaiter = null;
    }
    this.setState("closed");
  }

  onServerError(msg) {
    this.log("server error", msg.code, msg.message);
    if (msg.code === "unknown-peer") return; // a late signal to a participant that just left
    this.showError(msg);
    const joining = this.joiningRoom;
    this.joiningRoom = null;
    if (joining && this.nextRoom) {
      // The refused join was superseded: go on with the next one.
      const next = this.nextRoom;
      this.nextRoom = null;
      this.sendJoin(next);
      return;
    }
    if (this.joinWaiter && this.room === null) {
      const e = new Error(`${msg.code}: ${msg.message}`);
      e.code = msg.code;
      this.joinWaiter.reject(e);
      this.joinWaiter = null;
    }
    if (this.room === null) this.setState("error");
  }

  sendJoin(room) {
    this.joiningRoom = room;
    this.send({ type: "JoinOrCreate", room });
  }

  onJoined(msg) {
    this.room = msg.room;
    this.joiningRoom = null;
    if (this.nextRoom) {
      // join() was called again while this join was on its way.
      const next = this.nextRoom;
      this.nextRoom = null;
      this.leaveRoom();
      this.sendJoin(next);
      return;
    }
    this.clearError();
    this.ui.roomJoined(msg.room);
    this.newSession();
    this.phases.joined = now();
    this.setState("joined");
    const peers = Array.isArray(msg.peers) ? msg.peers : [];
    this.log("joined room", msg.room, "peers", peers);
    if (peers.length > 0) {
      // The newcomer answers (§4.4.2): wait for the offer of the first.
      this.remoteId = peers[0];
      this.polite = true;
      this.sendFormatRequest();
    }
    if (this.joinWaiter) {
      this.joinWaiter.resolve({ room: msg.room, peers });
      this.joinWaiter = null;
    }
  }

  async onPeerJoined(id) {
    if (this.remoteId && this.remoteId !== id) {
      this.log("already in a session; ignoring", id);
      return;
    }
    this.log("participant joined", id);
    if (!this.pc || this.negotiated || this.pc.signalingState === "closed") {
      this.newSession();
    }
    this.phases.joined ??= now();
    this.remoteId = id;
    this.polite = false;
    this.clearError();
    this.sendFormatRequest();
    await this.makeOffer();
  }

  async onSignal(from, signal) {
    if (!this.pc || signal === null || typeof signal !== "object") return;
    if (!this.remoteId) this.remoteId = from;
    if (from !== this.remoteId) {
      this.log("ignored a signal from", from);
      return;
    }
    if (signal.sdp) await this.onDescription(signal.sdp);
    if ("candidate" in signal) await this.onCandidate(signal.candidate);
    if (signal.request) await this.onFormatRequest(signal.request);
    if (signal.error) this.showError(signal.error);
  }

  // ---- the peer connection (§4.5.2, §4.5.3) ------------------------------

  newSession() {
    this.endSession();
    this.session++;
    for (const p of PHASES) this.phases[p] = null;
    this.phases.navigation = performance.timeOrigin;
    this.phases.pageLoaded = this.connPhases.pageLoaded;
    this.phases.wsOpen = this.connPhases.wsOpen;
    this.phases.hello = this.connPhases.hello;
    this.frameCode.reset();
    this.quality?.reset();
    this.inbound = null;
    this.outbound = null;
    this.derived = { fps: 0, bitrateKbps: 0, packetLossPct: 0 };
    this.lastReading = null;

    const pc = new RTCPeerConnection(this.ice.configuration());
    this.pc = pc;
    this.iceStats = { gatheringMs: null, candidatePair: null };
    this.negotiated = false;
    this.makingOffer = false;
    this.pendingCandidates = [];
    const session = this.session;
    const current = () => this.pc === pc && this.session === session;
    watchGathering(pc, now, (ms) => {
      if (current()) this.iceStats.gatheringMs = ms;
    });

    pc.onicecandidate = (ev) => {
      if (!current()) return;
      if (ev.candidate && ev.candidate.candidate === "") return;
      this.signal({ candidate: ev.candidate ? ev.candidate.toJSON() : null });
    };
    pc.oniceconnectionstatechange = () => {
      if (!current()) return;
      const s = pc.iceConnectionState;
      this.log("ICE", s);
      if ((s === "connected" || s === "completed") && this.phases.iceConnected === null) {
        this.phases.iceConnected = now();
        // A page that only sends never sees a first frame: it streams once ICE is up.
        if (this.localStream && this.state === "negotiating") this.setState("streaming");
      }
      if (s === "failed") this.showError({ code: "ice-failed", message: "ICE connection state failed" });
      this.ui.render(this);
    };
    pc.onconnectionstatechange = () => {
      if (!current()) return;
      this.log("peer connection", pc.connectionState);
      if (pc.connectionState === "connected") this.phases.dtlsConnected ??= now();
    };
    pc.ontrack = (ev) => {
      if (!current() || ev.track.kind !== "video") return;
      this.log("remote track", ev.track.kind);
      this.ui.showRemote(ev.streams[0] ?? new MediaStream([ev.track]));
    };
    pc.onnegotiationneeded = () => {
      // Only renegotiation: the first offer is made on Room/Join.
      if (!current() || !this.negotiated || !this.remoteId) return;
      this.enqueue(() => this.makeOffer());
    };
    this.statsTimer = setInterval(() => this.pollStats(pc, session), 1000);
    this.ui.render(this);
    return pc;
  }

  endSession() {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
    if (this.pc) {
      this.pc.onicecandidate = null;
      this.pc.ontrack = null;
      this.pc.onnegotiationneeded = null;
      this.pc.oniceconnectionstatechange = null;
      this.pc.close();
    }
    this.pc = null;
    this.remoteId = null;
    this.negotiated = false;
    this.makingOffer = false;
    this.pendingCandidates = [];
    this.ui.resetRemote();
  }

  /** Adds the local camera's tracks (waiting for getUserMedia if it runs). */
  async attachLocalTracks(pc) {
    if (this.localStreamPromise) {
      try {
        await this.localStreamPromise;
      } catch {
        // shown by shareCamera
      }
    }
    if (!this.localStream || pc !== this.pc) return;
    const sent = new Set(pc.getSenders().map((s) => s.track).filter(Boolean));
    for (const track of this.localStream.getTracks()) {
      if (sent.has(track)) continue;
      const sender = pc.addTrack(track, this.localStream);
      // Keep the resolution; lower the frame rate under load (what is measured).
      const params = sender.getParameters();
      params.degradationPreference = "maintain-resolution";
      sender.setParameters(params).catch(() => {});
    }
  }

  preferCodec(pc) {
    const want = (this.codec || this.formatRequest?.codec || "").toLowerCase();
    if (!want || typeof RTCRtpTransceiver.prototype.setCodecPreferences !== "function") return;
    for (const t of pc.getTransceivers()) {
      if (t.receiver.track?.kind !== "video" || t.stopped) continue;
      let done = false;
      for (const caps of [RTCRtpReceiver.getCapabilities("video"), RTCRtpSender.getCapabilities("video")]) {
        if (done || !caps) continue;
        const codecs = caps.codecs;
        const first = codecs.filter((c) => c.mimeType.toLowerCase() === `video/${want}`);
        if (first.length === 0) {
          this.log("codec not supported:", want);
          return;
        }
        try {
          t.setCodecPreferences([...first, ...codecs.filter((c) => !first.includes(c))]);
          done = true;
        } catch (e) {
          this.log("setCodecPreferences:", e.message);
        }
      }
    }
  }

  async makeOffer() {
    const pc = this.pc;
    if (!pc) return;
    const first = !this.negotiated;
    await this.attachLocalTracks(pc);
    if (pc !== this.pc) return;
    const receivesVideo = pc
      .getTransceivers()
      .some((t) => t.receiver.track?.kind === "video" && t.direction !== "sendonly" && !t.stopped);
    if (!receivesVideo) pc.addTransceiver("video", { direction: "recvonly" });
    this.preferCodec(pc);
    try {
      this.makingOffer = true;
      const offer = await pc.createOffer();
      if (pc !== this.pc || pc.signalingState !== "stable") return;
      await pc.setLocalDescription(offer);
      this.signal({ sdp: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
      if (first) {
        this.phases.offer = now();
        this.setState("negotiating");
      }
      this.log("offer sent");
    } finally {
      this.makingOffer = false;
    }
  }

  async onDescription(desc) {
    const pc = this.pc;
    if (desc.type === "offer") {
      // "Perfect negotiation" (W3C webrtc-pc §10.7) for renegotiation glare.
      const collision = this.makingOffer || pc.signalingState !== "stable";
      if (collision && !this.polite) {
        this.log("ignored a colliding offer");
        return;
      }
      const first = !this.negotiated;
      if (first) {
        this.phases.offer = now();
        this.setState("negotiating");
      }
      await this.attachLocalTracks(pc);
      if (pc !== this.pc) return;
      await pc.setRemoteDescription(desc);
      await this.flushCandidates(pc);
      this.preferCodec(pc);
      const answer = await pc.createAnswer();
      // Taken before setLocalDescription: ICE may connect before it resolves.
      if (first) this.phases.answer = now();
      await pc.setLocalDescription(answer);
      this.signal({ sdp: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
      this.negotiated = true;
      this.log("answer sent");
    } else if (desc.type === "answer") {
      if (pc.signalingState !== "have-local-offer") {
        this.log("ignored an answer in state", pc.signalingState);
        return;
      }
      // Taken on arrival: ICE may connect (peer-reflexive) before setRemoteDescription resolves.
      if (!this.negotiated) this.phases.answer = now();
      await pc.setRemoteDescription(desc);
      await this.flushCandidates(pc);
      this.negotiated = true;
      this.log("answer received");
    }
  }

  async onCandidate(c) {
    const pc = this.pc;
    if (!pc.remoteDescription) {
      this.pendingCandidates.push(c);
      return;
    }
    await this.addCandidate(pc, c);
  }

  async addCandidate(pc, c) {
    try {
      if (c === null) await pc.addIceCandidate();
      else await pc.addIceCandidate(c);
    } catch (e) {
      this.log("addIceCandidate:", e.message);
    }
  }

  async flushCandidates(pc) {
    const queued = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const c of queued) await this.addCandidate(pc, c);
  }

  // ---- format requests (SPEC §2) -----------------------------------------

  sendFormatRequest() {
    if (!this.formatRequest || !this.remoteId) return;
    const r = {};
    for (const k of ["width", "height", "fps", "codec"]) if (this.formatRequest[k]) r[k] = this.formatRequest[k];
    this.signal({ request: r });
    this.log("format request sent", r);
  }

  async onFormatRequest(r) {
    this.log("format request received", r);
    if (r.codec) this.codec = String(r.codec).toLowerCase();
    const track = this.localStream?.getVideoTracks()[0];
    if (!track) return;
    const c = {};
    if (r.width) c.width = { ideal: r.width };
    if (r.height) c.height = { ideal: r.height };
    if (r.fps) c.frameRate = { ideal: r.fps };
    try {
      await track.applyConstraints(c);
    } catch (e) {
      this.signal({ error: { code: "unsupported-format", message: e.message } });
    }
  }

  // ---- media ------------------------------------------------------------

  // boundConnected bounds iceConnected and dtlsConnected by the first frame:
  // a decoded frame proves ICE and the DTLS handshake done when its first
  // packet arrived, and Chromium's connectionstatechange task can run after
  // the first requestVideoFrameCallback (in 1–2 % of the harness's camera
  // trials, by up to 100 ms). Without this the "first frame" segment would
  // come out negative; the bound is the frame's receiveTime where Chromium
  // gives one (the last packet's arrival), else the callback's own time;
  // ICE comes no later than DTLS.
  boundConnected(meta, t) {
    const received = Number.isFinite(meta?.receiveTime) ? performance.timeOrigin + meta.receiveTime : t;
    const p = this.phases;
    p.dtlsConnected = Math.min(p.dtlsConnected ?? Infinity, received, t);
    p.iceConnected = Math.min(p.iceConnected ?? Infinity, p.dtlsConnected);
  }

  startFrameLoop() {
    const video = this.ui.remoteVideo;
    if (typeof video.requestVideoFrameCallback !== "function") return;
    const onFrame = (_, meta) => {
      if (this.pc && video.srcObject) {
        if (this.phases.firstFrame === null) {
          // On the main thread's clock like every other phase: the
          // compositor's expectedDisplayTime can come before the
          // connectionstatechange handler's own time (DESIGN.md "Setup phases").
          const t = now();
          this.phases.firstFrame = t;
          this.boundConnected(meta, t);
          this.setState("streaming");
          this.log("first frame", meta.width, "x", meta.height);
        }
        this.quality?.offer(video);
        this.reader ??= new FrameCodeReader();
        // read() takes the frame now (synchronously) and decodes it after a small copy.
        const seen = now();
        const stats = this.frameCode;
        const session = this.session;
        this.reader
          .read(video, meta.width, meta.height)
          .then((r) => {
            if (session === this.session) stats.add(r, seen);
          })
          .catch((e) => this.log("frame code:", e.message));
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  async pollStats(pc, session) {
    let reading;
    try {
      reading = await readStats(pc);
    } catch {
      return;
    }
    if (pc !== this.pc || session !== this.session) return;
    this.derived = derive(this.lastReading, reading);
    this.lastReading = reading;
    this.inbound = reading.inbound;
    this.outbound = reading.outbound;
    this.iceStats.candidatePair = reading.candidatePair ?? this.iceStats.candidatePair;
    this.ui.renderStats(this);
  }

  // ---- window.echtzeit methods (DESIGN.md) -------------------------------

  /** Joins room (64 hex); resolves {room, peers} on Joined, rejects on Error. */
  join(room) {
    const check = checkRoomID(room);
    if (!check.ok) {
      this.ui.roomMessage(check.message);
      return Promise.reject(new Error(check.message));
    }
    this.ui.roomMessage("");
    this.clearError();
    if (this.joinWaiter) this.joinWaiter.reject(new Error("superseded by another join"));
    const p = new Promise((resolve, reject) => {
      this.joinWaiter = { resolve, reject };
    });
    p.catch(() => {}); // the caller may ignore it; the UI shows errors
    this.enqueue(() => {
      if (this.room === check.room) {
        this.joinWaiter?.resolve({ room: this.room, peers: this.remoteId ? [this.remoteId] : [] });
        this.joinWaiter = null;
        return;
      }
      if (this.joiningRoom === check.room && !this.nextRoom) return; // on its way: Joined resolves the waiter
      if (this.joiningRoom) {
        this.nextRoom = check.room; // a second JoinOrCreate before Joined would violate the protocol
        return;
      }
      if (this.room) this.leaveRoom();
      if (this.id) this.sendJoin(check.room);
      else this.pendingRoom = check.room;
    });
    return p;
  }

  leaveRoom() {
    this.send({ type: "Leave" });
    this.endSession();
    this.room = null;
    this.setState(this.id ? "connected" : "connecting");
  }

  /** Leaves the room and keeps the connection. */
  leave() {
    return this.enqueue(() => {
      this.pendingRoom = null;
      this.nextRoom = null;
      if (this.room) this.leaveRoom();
      this.ui.roomLeft();
    });
  }

  /** Makes a room with a fresh 256-bit ID and joins it; resolves with the ID. */
  newRoom() {
    const room = newRoomID();
    this.ui.setRoomField(room);
    return this.join(room).then(() => room);
  }

  /**
   * Sends the synthetic test pattern with its frame code, drawn into a
   * canvas (canvassource.js), instead of a camera; resolves with the track's
   * settings.
   */
  shareCanvas({ width, height, fps } = {}) {
    return this.shareStream(async () => {
      const { CanvasSource } = await import("./canvassource.js");
      this.canvasSource?.stop();
      this.canvasSource = new CanvasSource({ width, height, fps });
      return this.canvasSource.start();
    });
  }

  /** Shares this browser's camera; resolves with the track's settings. */
  shareCamera({ width, height, fps } = {}) {
    const constraints = (kind) => {
      const video = {};
      if (width) video.width = { [kind]: Number(width) };
      if (height) video.height = { [kind]: Number(height) };
      if (fps) video.frameRate = { [kind]: Number(fps) };
      return { video: Object.keys(video).length ? video : true, audio: false };
    };
    // Exactly the asked format (what a measurement wants), else the closest
    // the camera has (what a person wants).
    const open = () =>
      navigator.mediaDevices.getUserMedia(constraints("exact")).catch((e) => {
        if (e.name !== "OverconstrainedError") throw e;
        this.log("camera cannot give exactly", width, height, fps, "- taking the closest format");
        return navigator.mediaDevices.getUserMedia(constraints("ideal"));
      });
    this.canvasSource?.stop();
    this.canvasSource = null;
    return this.shareStream(open);
  }

  /** Sends the stream open() resolves with (replacing the one sent before). */
  shareStream(open) {
    if (this.localStream) for (const t of this.localStream.getTracks()) t.stop();
    this.localStream = null;
    const p = open()
      .then((stream) => {
        const track = stream.getVideoTracks()[0];
        if (track && "contentHint" in track) track.contentHint = "detail";
        this.localStream = stream;
        this.ui.showLocal(stream);
        this.log("camera", JSON.stringify(track?.getSettings()));
        if (this.pc && this.negotiated) {
          const pc = this.pc;
          // A new camera in a running session: replace the sent track, or add it (renegotiates).
          const sender = pc.getSenders().find((s) => s.track?.kind === "video");
          if (sender && track) sender.replaceTrack(track);
          else this.attachLocalTracks(pc);
        }
        this.ui.render(this);
        return track ? track.getSettings() : {};
      })
      .catch((e) => {
        this.showError({ code: "media", message: `${e.name}: ${e.message}` });
        throw e;
      });
    this.localStreamPromise = p;
    p.catch(() => {});
    return p;
  }

  /** Asks the other participant (a camera) for a format, now and in every new session. */
  request({ width, height, fps, codec } = {}) {
    this.formatRequest = {
      width: Number(width) || 0,
      height: Number(height) || 0,
      fps: Number(fps) || 0,
      codec: codec ? String(codec).toLowerCase() : "",
    };
    if (codec) this.codec = String(codec).toLowerCase();
    this.enqueue(() => this.sendFormatRequest());
  }

  snapshot() {
    return {
      version: 1,
      state: this.state,
      id: this.id,
      room: this.room,
      session: this.session,
      error: this.error ? { ...this.error } : null,
      phases: { ...this.phases },
      inbound: this.inbound ? { ...this.inbound } : null,
      outbound: this.outbound ? { ...this.outbound } : null,
      derived: { ...this.derived },
      frameCode: this.frameCode.snapshot(),
      ice: { ...this.ice.describe(), ...this.iceStats },
      canvas: this.canvasSource ? this.canvasSource.stats() : null,
      quality: this.quality ? this.quality.snapshot() : null,
    };
  }

  /** The API object installed as window.echtzeit. */
  api() {
    const self = this;
    return Object.freeze({
      version: 1,
      snapshot: () => self.snapshot(),
      join: (room) => self.join(room),
      leave: () => self.leave(),
      newRoom: () => self.newRoom(),
      shareCamera: (opts) => self.shareCamera(opts),
      shareCanvas: (opts) => self.shareCanvas(opts),
      request: (opts) => self.request(opts),
      servers: () => ({ current: self.signaling.url, all: [...self.signaling.urls] }),
      get pc() {
        return self.pc;
      },
    });
  }

  describeError() {
    if (!this.error) return "";
    const text = ERROR_TEXT[this.error.code] ?? "Error.";
    return `${text} ${this.error.message ? `(${this.error.code}: ${this.error.message})` : `(${this.error.code})`}`;
  }
}

/** URL parameters: room, send=camera|canvas, width, height, fps, request=WxH@F, codec, quality=N, relay=1. */
export function readParams(search = window.location.search) {
  const q = new URLSearchParams(search);
  const num = (k) => {
    const v = Number(q.get(k));
    return Number.isFinite(v) && v > 0 ? v : 0;
  };
  return {
    room: q.get("room"),
    send: q.get("send") === "camera",
    canvas: q.get("send") === "canvas",
    width: num("width"),
    height: num("height"),
    fps: num("fps"),
    request: q.has("request") ? parseFormat(q.get("request")) : null,
    requestRaw: q.get("request"),
    codec: (q.get("codec") || "").toLowerCase() || null,
    quality: num("quality"),
    relay: q.get("relay") === "1",
  };
}
