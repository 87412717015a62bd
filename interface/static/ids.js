// Room IDs (SPEC §2, thesis §4.3.2): 256 random bits as 64 lowercase hex
// characters, chosen by the clients and shared out of band.

export const ROOM_ID_LENGTH = 64;

/**
 * Checks a room ID typed or pasted by a person. Surrounding space is
 * trimmed and upper case accepted (the server wants lower case, so it is
 * lowered). Returns {ok: true, room} or {ok: false, message}.
 */
export function checkRoomID(input) {
  const s = String(input ?? "").trim().toLowerCase();
  if (s.length === 0) {
    return { ok: false, message: "Enter a room ID: 64 hexadecimal characters (0–9, a–f), or make a new room." };
  }
  const bad = s.match(/[^0-9a-f]/);
  if (bad) {
    return {
      ok: false,
      message: `A room ID has only the characters 0–9 and a–f; “${bad[0]}” at position ${bad.index + 1} is not one of them.`,
    };
  }
  if (s.length !== ROOM_ID_LENGTH) {
    return {
      ok: false,
      message: `A room ID has exactly ${ROOM_ID_LENGTH} characters; this one has ${s.length}.`,
    };
  }
  return { ok: true, room: s };
}

/** A fresh room ID: 256 bits from crypto.getRandomValues. */
export function newRoomID() {
  const b = new Uint8Array(ROOM_ID_LENGTH / 2);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Parses "1280x720@30" (the @fps is optional) into {width, height, fps}; null if malformed. */
export function parseFormat(s) {
  const m = /^\s*(\d{1,5})\s*[x×]\s*(\d{1,5})\s*(?:@\s*(\d{1,3}))?\s*$/i.exec(String(s ?? ""));
  if (!m) return null;
  const f = { width: Number(m[1]), height: Number(m[2]) };
  if (m[3] !== undefined) f.fps = Number(m[3]);
  if (f.width < 1 || f.height < 1 || (f.fps !== undefined && f.fps < 1)) return null;
  return f;
}
