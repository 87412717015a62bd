// A test-pattern camera for the browser sender: draws the camera's
// synthetic pattern (pattern.js) with the same frame code (framecode.js,
// DESIGN.md) into a canvas at the requested size and rate and sends
// canvas.captureStream(), so browser-to-browser trials get end-to-end
// latency and picture quality like the camera's. The pattern is grey (R = G
// = B) with the camera's luma; its chroma is neutral.

import { BITS, COLUMNS, blockSize, encodeBytes } from "./framecode.js";
import { FULL_RANGE as GREY, PERIOD, RAMP, shiftOf } from "./pattern.js";

/** Unix ms on the page's monotonic clock, as app.js and the frame code use it. */
const now = () => performance.timeOrigin + performance.now();

export class CanvasSource {
  /** width, height in pixels (even), fps frames per second. */
  constructor({ width = 640, height = 480, fps = 30 } = {}) {
    this.width = Math.max(16, Math.floor(width / 2) * 2);
    this.height = Math.max(12, Math.floor(height / 2) * 2);
    this.fps = Math.min(120, Math.max(1, fps));
    this.canvas = document.createElement("canvas");
    this.canvas.width = this.width;
    this.canvas.height = this.height;
    this.ctx = this.canvas.getContext("2d", { alpha: false });
    this.ctx.imageSmoothingEnabled = false;
    this.base = this.drawBase();
    this.stream = null;
    this.track = null;
    this.timer = null;
    this.start0 = 0;
    this.next = 0; // number of the next frame slot
    this.frames = 0;
    this.skipped = 0;
  }

  /** The pattern of frame 0, PERIOD pixels wider than the frame: frame n is its window at x = 4n mod PERIOD. */
  drawBase() {
    const w = this.width + PERIOD;
    const h = this.height;
    const c = document.createElement("canvas");
    c.width = w;
    c.height = h;
    const g = c.getContext("2d", { alpha: false });
    const img = g.createImageData(w, h);
    const d = img.data;
    for (let y = 0; y < h; y++) {
      const off = y >> 1;
      for (let x = 0; x < w; x++) {
        const v = GREY[RAMP[(off + x) & (PERIOD - 1)]];
        const p = (y * w + x) * 4;
        d[p] = d[p + 1] = d[p + 2] = v;
        d[p + 3] = 255;
      }
    }
    g.putImageData(img, 0, 0);
    return c;
  }

  /** Starts drawing; returns the MediaStream of the canvas. */
  start() {
    if (this.stream) return this.stream;
    this.stream = this.canvas.captureStream(0); // a frame exactly when requested
    this.track = this.stream.getVideoTracks()[0];
    this.start0 = performance.now();
    this.tick();
    return this.stream;
  }

  /** Draws the frame of the current slot (skipping slots that are over) and schedules the next. */
  tick() {
    const interval = 1000 / this.fps;
    let due = this.start0 + this.next * interval;
    const late = performance.now() - due;
    if (late >= interval) {
      // Behind by whole frames (a busy machine): skip them, as the camera's
      // synthetic source does; their numbers are missing at the viewer.
      const skip = Math.floor(late / interval);
      this.next += skip;
      this.skipped += skip;
      due += skip * interval;
    }
    this.draw(this.next);
    this.next++;
    this.frames++;
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.start0 + this.next * interval - performance.now()));
  }

  /** Draws frame n with its code, stamped now, and hands it to the track. */
  draw(n) {
    const { ctx, width: w, height: h } = this;
    ctx.drawImage(this.base, shiftOf(n), 0, w, h, 0, 0, w, h);
    const bs = blockSize(w, h);
    const bytes = encodeBytes(n & 0xffff, now());
    for (let i = 0; i < BITS; i++) {
      const bit = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
      ctx.fillStyle = bit ? "#fff" : "#000";
      ctx.fillRect((i % COLUMNS) * bs, Math.floor(i / COLUMNS) * bs, bs, bs);
    }
    this.track?.requestFrame?.();
  }

  /** Frames drawn and frame slots skipped so far. */
  stats() {
    return { frames: this.frames, skipped: this.skipped };
  }

  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    this.track = null;
  }
}
