// The signaling socket, opened as early as the page can: index.html loads
// this small module as an async script ahead of the page's other modules, so
// the WebSocket's TCP and TLS handshakes and the server's Hello overlap with
// loading the rest of the page instead of waiting for it (DESIGN.md, "Setup
// phases"). Signaling (signaling.js) takes the socket over together with the
// events it had so far.

/** wss://<same host>/ws, or ws:// when the page is plain http. */
export function signalingURL(loc = window.location) {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}/ws`;
}

const EVENTS = ["open", "message", "close"];

let early = null;

function openEarly() {
  if (typeof WebSocket !== "function" || typeof window === "undefined" || !window.location) return;
  const url = signalingURL();
  let ws;
  try {
    ws = new WebSocket(url);
  } catch {
    return; // Signaling opens its own
  }
  ws.binaryType = "arraybuffer";
  const events = [];
  // Event.timeStamp is relative to performance.timeOrigin: Unix ms of the event.
  const record = (ev) =>
    events.push({ type: ev.type, data: ev.data, code: ev.code, reason: ev.reason, at: performance.timeOrigin + ev.timeStamp });
  for (const t of EVENTS) ws.addEventListener(t, record);
  early = { url, ws, events, detach: () => EVENTS.forEach((t) => ws.removeEventListener(t, record)) };
}

/**
 * Returns the early socket for url and its recorded events ({type, data,
 * code, reason, at}), once; null when there is none (or it was opened to
 * another URL, then it is closed).
 */
export function takeEarlySocket(url) {
  const e = early;
  early = null;
  if (!e) return null;
  e.detach();
  if (e.url !== url) {
    e.ws.close(1000, "not needed");
    return null;
  }
  return { ws: e.ws, events: e.events };
}

openEarly();
