// The signaling connection (SPEC §2, thesis §4.4): one WebSocket to
// wss://<same host>/ws (ws:// when the page is plain http). Every message is
// a JSON object sent as a binary frame; received frames may be binary or
// text. When the socket drops it reconnects with exponential backoff and
// jitter.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function signalingURL(loc = window.location) {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}/ws`;
}

export class Signaling {
  /**
   * hooks: onOpen(), onMessage(msg), onClose({code, reason, retryInMs}),
   * onConnecting(attempt).
   */
  constructor(url, hooks) {
    this.url = url;
    this.hooks = hooks;
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  connect() {
    this.timer = null;
    this.hooks.onConnecting?.(this.attempt);
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this.scheduleReconnect(0, String(e));
      return;
    }
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.hooks.onOpen?.();
    };
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      let msg;
      try {
        const text = typeof ev.data === "string" ? ev.data : decoder.decode(ev.data);
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
      this.hooks.onMessage(msg);
    };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.scheduleReconnect(ev.code, ev.reason);
    };
  }

  scheduleReconnect(code, reason) {
    if (this.stopped) {
      this.hooks.onClose?.({ code, reason, retryInMs: null });
      return;
    }
    // 0.5 s, 1 s, 2 s … up to 15 s, each ±50 % jitter.
    const base = Math.min(15000, 500 * 2 ** Math.min(this.attempt, 5));
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
