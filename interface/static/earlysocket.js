// The signaling socket, opened as early as the page can: the small inline
// script at the top of index.html opens it while the parser is still on the
// page's first lines, so the WebSocket's TCP and TLS handshakes and the
// server's Hello overlap with loading and running the rest of the page
// instead of waiting for it (DESIGN.md, "Setup phases"). It leaves the socket
// and the events so far in window.__echtzeitEarlySocket; Signaling
// (signaling.js) takes them over here. A viewer's link joins its room on
// connect (wss://HOST/ws?room=ID): the server sends Joined after Hello without
// a JoinOrCreate. The same script starts GET /iceservers, which ice.js takes
// over.

/** wss://<same host>/ws, or ws:// when the page is plain http. */
export function signalingURL(loc = window.location) {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}/ws`;
}

/**
 * Returns the early socket for url, its recorded events ({type, data, code,
 * reason, at}) and the room it joined on connect (null: none), once; null
 * when there is none (or it was opened to another URL, then it is closed).
 */
export function takeEarlySocket(url) {
  const e = typeof window === "undefined" ? null : window.__echtzeitEarlySocket;
  if (!e) return null;
  delete window.__echtzeitEarlySocket;
  e.detach();
  if (e.url !== url) {
    e.ws.close(1000, "not needed");
    return null;
  }
  return { ws: e.ws, events: e.events, room: e.room ?? null };
}

/**
 * Returns the response promise of the early request for url (the inline
 * script's GET /iceservers), once; null when there is none.
 */
export function takeEarlyFetch(url) {
  const e = typeof window === "undefined" ? null : window.__echtzeitEarlyIce;
  if (!e) return null;
  delete window.__echtzeitEarlyIce;
  return e.url === url ? e.response : null;
}
