// The signaling servers the page may use (DESIGN.md, "Signaling cluster"):
// its own origin first, then the other nodes of a cluster that the server
// lists at /signaling.json. Signaling (signaling.js) moves to the next one
// when a connection fails or drops.

import { signalingURL } from "./earlysocket.js";

/** Resolves to the list of WebSocket URLs, own origin first. */
export async function signalingURLs(loc = window.location) {
  const own = signalingURL(loc);
  try {
    const resp = await fetch("/signaling.json", { cache: "no-cache" });
    if (!resp.ok) return [own];
    const { urls } = await resp.json();
    const others = (Array.isArray(urls) ? urls : []).filter(
      (u) => typeof u === "string" && /^wss?:\/\//.test(u) && u !== own,
    );
    return [own, ...others];
  } catch {
    return [own];
  }
}
