// The signaling connection (SPEC §2, thesis §4.4): one WebSocket to
// wss://<same host>/ws (ws:// when the page is plain http). Every message is
// a JSON object sent as a binary frame; received frames may be binary or
// text. When the socket drops it reconnects with exponential backoff and
// jitter.

import { signalingURL, takeEarlySocket } from "./earlysocket.js";

export { signalingURL };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Unix ms of an event (Event.timeStamp is relative to performance.timeOrigin). */
const eventTime = (ev) => performance.timeOrigin + ev.timeStamp;

export class Signaling {
  /**
   * hooks: onOpen(atMs), onMessage(msg, atMs), onClose({code, reason,
   * retryInMs}), onConnecting(attempt), onJoinOnConnect(room) (the early
   * socket joined room on connect: Joined follows Hello without a
   * JoinOrCreate). atMs is when the event happened (Unix ms): earlier than
   * the call for the early socket's events.
   */
  constructor(url, hooks) {
    this.urls = [url];
    this.url = url;
    this.hooks = hooks;
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
    this.triedEarly = false;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  connect() {
    this.timer = null;
    this.hooks.onConnecting?.(this.attempt);
    // The first connection takes over the socket earlysocket.js opened.
    const early = this.triedEarly ? null : takeEarlySocket(this.url);
    this.triedEarly = true;
    let ws = early?.ws;
    if (!ws) {
      try {
        ws = new WebSocket(this.url);
      } catch (e) {
        this.scheduleReconnect(0, String(e));
        return;
      }
    }
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = (ev) => this.opened(ws, eventTime(ev));
    ws.onmessage = (ev) => this.received(ws, ev.data, eventTime(ev));
    ws.onclose = (ev) => this.closed(ws, ev.code, ev.reason);
    if (early?.room) this.hooks.onJoinOnConnect?.(early.room);
    for (const ev of early?.events ?? []) {
      if (ev.type === "open") this.opened(ws, ev.at);
      else if (ev.type === "message") this.received(ws, ev.data, ev.at);
      else if (ev.type === "close") this.closed(ws, ev.code, ev.reason);
    }
  }

  opened(ws, at) {
    if (ws !== this.ws) return;
    this.hooks.onOpen?.(at);
  }

  received(ws, data, at) {
    if (ws !== this.ws) return;
    let msg;
    try {
      const text = typeof data === "string" ? data : decoder.decode(data);
      msg = JSON.parse(text);
    } catch (e) {
      console.warn("signaling: dropped a message that is not JSON", e);
      return;
    }
    if (msg === null || typeof msg !== "object" || typeof msg.type !== "string") {
      console.warn("signaling: dropped a message without type", msg);
      return;
    }
    if (msg.type === "Hello") this.attempt = 0;
    this.hooks.onMessage(msg, at);
  }

  closed(ws, code, reason) {
    if (ws !== this.ws) return;
    this.ws = null;
    // The next server of the list (servers.js): a cluster's node that died
    // is left at once.
    this.url = this.urls[(this.urls.indexOf(this.url) + 1) % this.urls.length];
    this.scheduleReconnect(code, reason);
  }

  /** Sets the servers to use, the current one first. */
  setURLs(urls) {
    if (Array.isArray(urls) && urls.length > 0) this.urls = urls.includes(this.url) ? urls : [this.url, ...urls];
  }

  scheduleReconnect(code, reason) {
    if (this.stopped) {
      this.hooks.onClose?.({ code, reason, retryInMs: null });
      return;
    }
    // 0.5 s, 1 s, 2 s … up to 15 s, each ±50 % jitter; with several
    // servers, one round of them at 0.5 s before the waits grow.
    const round = Math.floor(this.attempt / this.urls.length);
    const base = Math.min(15000, 500 * 2 ** Math.min(round, 5));
    const delay = Math.round(base * (0.5 + Math.random()));
    this.attempt++;
    this.hooks.onClose?.({ code, reason, retryInMs: delay });
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** Sends msg as a binary JSON frame; false when the socket is not open. */
  send(msg) {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(encoder.encode(JSON.stringify(msg)));
    return true;
  }

  /** Closes the socket for good (no reconnect). */
  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, "page closed");
  }
}
