// Synthetic frame code (DESIGN.md): 48 bits in 16 columns × 3 rows of square
// blocks in the frame's top-left corner. Block size bs = min(W/16, H/12)
// (integer division). White block (Y 235) = 1, black (Y 16) = 0; readers
// sample the mean luma of each block's central half and threshold at 128.
// Bytes 0–1 frame number mod 2^16, bytes 2–4 capture time Unix ms mod 2^24,
// byte 5 CRC-8 (poly 0x07, init 0, no reflection, no final xor) of bytes 0–4.
// Six zero bytes count as unreadable (an all-black corner).

export const COLUMNS = 16;
export const ROWS = 3;
export const BITS = COLUMNS * ROWS;
export const TIME_MODULUS = 1 << 24;
const MAX_LATENCIES = 300;

/** Block size in pixels of the code in a w×h frame; 0 if it does not fit. */
export function blockSize(w, h) {
  return Math.max(0, Math.min(Math.floor(w / 16), Math.floor(h / 12)));
}

/** CRC-8, polynomial 0x07, initial value 0, no reflection, no final xor. */
export function crc8(bytes) {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b & 0xff;
    for (let i = 0; i < 8; i++) {
      crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    }
  }
  return crc;
}

/** The six bytes of the code for a frame number and a capture time (Unix ms). */
export function encodeBytes(frame, captureMs) {
  const f = frame & 0xffff;
  const t = Math.floor(captureMs) % TIME_MODULUS;
  const b = new Uint8Array(6);
  b[0] = f >> 8;
  b[1] = f & 0xff;
  b[2] = (t >> 16) & 0xff;
  b[3] = (t >> 8) & 0xff;
  b[4] = t & 0xff;
  b[5] = crc8(b.subarray(0, 5));
  return b;
}

/**
 * Parses six bytes; null when the CRC does not match, or when all six are
 * zero: an all-black corner has a "valid" CRC of 0 but carries no code.
 */
export function parseBytes(b) {
  if (b.length !== 6 || crc8(b.subarray(0, 5)) !== b[5]) return null;
  if (b.every((x) => x === 0)) return null;
  return { frame: (b[0] << 8) | b[1], captureMs: (b[2] << 16) | (b[3] << 8) | b[4] };
}

/**
 * Decodes the 48 bits with luma(x, y) (0–255) for a code of block size bs
 * whose top-left corner is at (0, 0): the mean of each block's central half
 * (half = max(1, bs/2) pixels square, inset (bs − half)/2), threshold 128.
 * Returns {ok, frame, captureMs, bytes}.
 */
export function decodeLuma(luma, bs) {
  const bytes = new Uint8Array(6);
  const half = Math.max(1, Math.floor(bs / 2));
  const inset = Math.floor((bs - half) / 2);
  const threshold = 128 * half * half;
  for (let i = 0; i < BITS; i++) {
    const x0 = (i % COLUMNS) * bs + inset;
    const y0 = Math.floor(i / COLUMNS) * bs + inset;
    let sum = 0;
    for (let y = y0; y < y0 + half; y++) {
      for (let x = x0; x < x0 + half; x++) sum += luma(x, y);
    }
    if (sum >= threshold) bytes[i >> 3] |= 0x80 >> (i & 7);
  }
  const parsed = parseBytes(bytes);
  return parsed ? { ok: true, ...parsed, bytes } : { ok: false, frame: null, captureMs: null, bytes };
}

/**
 * Decodes the code from an ImageData whose top-left 16·cell × 3·cell pixels
 * hold the blocks, each cell×cell pixels (luma from RGB, BT.601 weights).
 */
export function decodeImageData(img, cell) {
  const d = img.data;
  const w = img.width;
  return decodeLuma((x, y) => {
    const p = (y * w + x) * 4;
    return 0.299 * d[p] + 0.587 * d[p + 1] + 0.114 * d[p + 2];
  }, cell);
}

// Pixel formats of VideoFrame whose first plane is luma.
const YUV_FORMATS = new Set(["I420", "I420A", "I422", "I422A", "I444", "I444A", "NV12"]);
const RGB_FORMATS = new Set(["RGBA", "RGBX", "BGRA", "BGRX"]);

/**
 * Reads the code from video frames. For an HTMLVideoElement it wraps the
 * current frame in a WebCodecs VideoFrame and copies only the code's
 * rectangle of the luma plane (cheap at any resolution: no conversion of the
 * whole frame to RGB). Otherwise, or when that is not possible, it scales the
 * code region down to a small canvas with `cell` pixels per block.
 */
export class FrameCodeReader {
  constructor(cell = 8) {
    this.cell = cell;
    this.canvas = null;
    this.ctx = null;
    this.buffer = null;
    this.busy = false;
    this.useVideoFrame = typeof VideoFrame === "function";
  }

  /**
   * Decodes the code of source (w×h pixels). Resolves with the result, or
   * null when the frame is too small for a code.
   */
  async read(source, w, h) {
    const bs = blockSize(w, h);
    if (bs < 1) return null;
    if (this.useVideoFrame && typeof HTMLVideoElement !== "undefined" && source instanceof HTMLVideoElement) {
      try {
        const r = await this.readVideoFrame(source);
        if (r !== undefined) return r;
      } catch (e) {
        console.info("framecode: VideoFrame path unavailable, using a canvas:", e.message);
        this.useVideoFrame = false;
      }
    }
    return this.readCanvas(source, bs);
  }

  /** The VideoFrame path; undefined when the frame's format is not readable. */
  async readVideoFrame(video) {
    const frame = new VideoFrame(video);
    try {
      const vr = frame.visibleRect;
      const bs = blockSize(vr.width, vr.height);
      if (bs < 1) return null;
      const yuv = YUV_FORMATS.has(frame.format);
      if (!yuv && !RGB_FORMATS.has(frame.format)) return undefined;
      // I420 and NV12 rectangles must start and end on even pixels.
      const even = (v, max) => Math.min(max - (max % 2), v + (v % 2));
      const rect = { x: vr.x, y: vr.y, width: even(COLUMNS * bs, vr.width), height: even(ROWS * bs, vr.height) };
      const size = frame.allocationSize({ rect });
      // One buffer reused; a read that overlaps the previous one gets its own.
      let b = this.buffer;
      if (this.busy || !b || b.length < size) b = new Uint8Array(size);
      if (!this.busy) this.buffer = b;
      const own = b === this.buffer;
      if (own) this.busy = true;
      let layout;
      try {
        layout = await frame.copyTo(b, { rect });
      } finally {
        if (own) this.busy = false;
      }
      const { offset, stride } = layout[0];
      if (yuv) return decodeLuma((x, y) => b[offset + y * stride + x], bs);
      const bgr = frame.format.startsWith("BGR");
      return decodeLuma((x, y) => {
        const p = offset + y * stride + x * 4;
        const r = bgr ? b[p + 2] : b[p];
        const bl = bgr ? b[p] : b[p + 2];
        return 0.299 * r + 0.587 * b[p + 1] + 0.114 * bl;
      }, bs);
    } finally {
      frame.close();
    }
  }

  /** The canvas path: one drawImage and one getImageData of 16·cell × 3·cell. */
  readCanvas(source, bs) {
    if (!this.canvas) {
      this.canvas = document.createElement("canvas");
      this.canvas.width = COLUMNS * this.cell;
      this.canvas.height = ROWS * this.cell;
      this.ctx = this.canvas.getContext("2d", { willReadFrequently: true, alpha: false });
    }
    const { ctx, canvas } = this;
    ctx.drawImage(source, 0, 0, COLUMNS * bs, ROWS * bs, 0, 0, canvas.width, canvas.height);
    return decodeImageData(ctx.getImageData(0, 0, canvas.width, canvas.height), this.cell);
  }
}

/** Latency in ms from a capture time (mod 2^24) to nowMs; negative when the sender's clock is ahead. */
export function latencyMs(captureMs, nowMs) {
  let d = (Math.floor(nowMs) - captureMs) % TIME_MODULUS;
  if (d < 0) d += TIME_MODULUS;
  if (d >= TIME_MODULUS / 2) d -= TIME_MODULUS;
  return d;
}

/** Counts decoded, unreadable, repeated and skipped frames and keeps recent latencies. */
export class FrameCodeStats {
  constructor() {
    this.reset();
  }

  reset() {
    this.decoded = 0;
    this.unreadable = 0;
    this.repeated = 0;
    this.skipped = 0;
    this.lastFrame = null;
    this.latencies = [];
  }

  /** Adds one decode result (from FrameCodeReader.read) seen at nowMs (Unix ms). */
  add(result, nowMs) {
    if (!result) return;
    if (!result.ok) {
      this.unreadable++;
      return;
    }
    this.decoded++;
    if (this.lastFrame !== null) {
      const step = (result.frame - this.lastFrame) & 0xffff;
      if (step === 0) this.repeated++;
      else if (step > 1 && step < 0x8000) this.skipped += step - 1;
    }
    this.lastFrame = result.frame;
    this.latencies.push(latencyMs(result.captureMs, nowMs));
    if (this.latencies.length > MAX_LATENCIES) this.latencies.splice(0, this.latencies.length - MAX_LATENCIES);
  }

  snapshot() {
    return {
      decoded: this.decoded,
      unreadable: this.unreadable,
      repeated: this.repeated,
      skipped: this.skipped,
      lastFrame: this.lastFrame,
      latencyMs: this.latencies.slice(),
    };
  }
}

/**
 * Draws the code for (frame, captureMs) into a 2D context of a w×h frame,
 * with pure black and white blocks. For tests; the camera draws the real
 * code in Y'CbCr.
 */
export function drawFrameCode(ctx, w, h, frame, captureMs) {
  const bs = blockSize(w, h);
  const bytes = encodeBytes(frame, captureMs);
  for (let i = 0; i < BITS; i++) {
    const bit = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
    ctx.fillStyle = bit ? "rgb(255,255,255)" : "rgb(0,0,0)";
    ctx.fillRect((i % COLUMNS) * bs, Math.floor(i / COLUMNS) * bs, bs, bs);
  }
  return bytes;
}
