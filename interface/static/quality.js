// Picture quality of received frames against the frames the sender drew
// (DESIGN.md, "Picture quality"): the synthetic pattern is a pure function of
// the frame number its frame code carries (pattern.js), so the reference of
// a received frame is regenerated and compared on the luma plane. PSNR over
// every pixel, SSIM (Wang et al. 2004) over non-overlapping 8×8 windows; both
// leave out the frame code's area (and for SSIM every window that touches
// it). harness/quality implements the same in Go; a test compares the two.

import { COLUMNS, ROWS, blockSize, decodeLuma } from "./framecode.js";
import { FULL_RANGE, drawLuma } from "./pattern.js";

/** PSNR of identical pictures is infinite; it is reported as this. */
export const MAX_PSNR_DB = 100;
export const SSIM_WINDOW = 8;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;
const MAX_VALUES = 300;

/** The frame code's area of a w×h frame: {w, h} from the top-left corner. */
export function codeArea(w, h) {
  const bs = blockSize(w, h);
  return { w: COLUMNS * bs, h: ROWS * bs };
}

/**
 * PSNR in dB of got against ref (w×h luma, row strides), leaving out the
 * exclude rectangle at the top-left ({w, h}); MAX_PSNR_DB when identical.
 */
export function psnr(ref, got, w, h, refStride = w, gotStride = w, exclude = { w: 0, h: 0 }) {
  let sse = 0;
  let n = 0;
  for (let y = 0; y < h; y++) {
    const x0 = y < exclude.h ? Math.min(w, exclude.w) : 0;
    const r = y * refStride;
    const g = y * gotStride;
    for (let x = x0; x < w; x++) {
      const d = ref[r + x] - got[g + x];
      sse += d * d;
    }
    n += w - x0;
  }
  if (n === 0) return NaN;
  if (sse === 0) return MAX_PSNR_DB;
  return Math.min(MAX_PSNR_DB, 10 * Math.log10((255 * 255 * n) / sse));
}

/**
 * Mean SSIM of got against ref over the non-overlapping 8×8 windows that
 * lie inside the frame and outside exclude: per window with the population
 * means, variances and covariance of its 64 pixels,
 * ((2μxμy + C1)(2σxy + C2)) / ((μx² + μy² + C1)(σx² + σy² + C2)),
 * C1 = (0.01·255)², C2 = (0.03·255)².
 */
export function ssim(ref, got, w, h, refStride = w, gotStride = w, exclude = { w: 0, h: 0 }) {
  const N = SSIM_WINDOW * SSIM_WINDOW;
  let sum = 0;
  let windows = 0;
  for (let wy = 0; wy + SSIM_WINDOW <= h; wy += SSIM_WINDOW) {
    for (let wx = 0; wx + SSIM_WINDOW <= w; wx += SSIM_WINDOW) {
      if (wy < exclude.h && wx < exclude.w) continue;
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      for (let y = wy; y < wy + SSIM_WINDOW; y++) {
        const r = y * refStride;
        const g = y * gotStride;
        for (let x = wx; x < wx + SSIM_WINDOW; x++) {
          const a = ref[r + x];
          const b = got[g + x];
          sx += a;
          sy += b;
          sxx += a * a;
          syy += b * b;
          sxy += a * b;
        }
      }
      const mx = sx / N;
      const my = sy / N;
      const vx = sxx / N - mx * mx;
      const vy = syy / N - my * my;
      const cxy = sxy / N - mx * my;
      sum += ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
      windows++;
    }
  }
  return windows === 0 ? NaN : sum / windows;
}

/**
 * Compares a received w×h luma plane (buffer at offset with stride) with the
 * synthetic frame its frame code names; fullRange says the frame's luma is
 * 0–255 (VideoFrame.colorSpace.fullRange: the canvas source's frames), else
 * it is studio range 16–235 like the pattern. Returns {frame, psnrDb, ssim},
 * or null when the frame carries no readable code.
 */
export function compareFrame(buf, offset, stride, w, h, fullRange = false) {
  const bs = blockSize(w, h);
  if (bs < 1) return null;
  const code = decodeLuma((x, y) => buf[offset + y * stride + x], bs);
  if (!code.ok) return null;
  const got = offset === 0 ? buf : buf.subarray(offset);
  const ref = drawLuma(new Uint8Array(w * h), w, h, code.frame);
  if (fullRange) for (let i = 0; i < ref.length; i++) ref[i] = FULL_RANGE[ref[i]];
  const ex = codeArea(w, h);
  return { frame: code.frame, psnrDb: psnr(ref, got, w, h, w, stride, ex), ssim: ssim(ref, got, w, h, w, stride, ex) };
}

// Pixel formats of VideoFrame whose first plane is the luma.
const YUV_FORMATS = new Set(["I420", "I420A", "I422", "I422A", "I444", "I444A", "NV12"]);

/**
 * Samples every `every`-th frame of a video element (from its
 * requestVideoFrameCallback), copies the decoded frame's luma with
 * VideoFrame.copyTo and compares it in a worker (quality-worker.js), so
 * the page's main thread — which times the frames — is not held up. Keeps
 * counts and the recent values for window.echtzeit.snapshot().
 */
export class QualitySampler {
  constructor(every = 10) {
    this.every = Math.max(1, every);
    this.worker = null;
    this.busy = false;
    this.seen = 0;
    this.reset();
  }

  reset() {
    this.session = (this.session ?? 0) + 1;
    this.frames = 0; // compared
    this.skipped = 0; // sampled but not compared: no code, an unreadable format, the worker busy
    this.psnrDb = [];
    this.ssim = [];
  }

  /** Called for every presented frame; samples every `every`-th. */
  offer(video) {
    this.seen++;
    if (this.seen % this.every !== 0) return;
    if (this.busy || typeof VideoFrame !== "function") {
      this.skipped++;
      return;
    }
    this.sample(video).catch((e) => {
      this.skipped++;
      console.info("quality:", e.message);
    });
  }

  async sample(video) {
    const frame = new VideoFrame(video);
    let buf;
    let layout;
    let w;
    let h;
    let fullRange = false;
    try {
      if (!YUV_FORMATS.has(frame.format)) {
        this.skipped++;
        return;
      }
      const rect = frame.visibleRect;
      w = rect.width;
      h = rect.height;
      fullRange = frame.colorSpace?.fullRange === true;
      this.busy = true;
      buf = new Uint8Array(frame.allocationSize({ rect }));
      layout = await frame.copyTo(buf, { rect });
    } catch (e) {
      this.busy = false;
      throw e;
    } finally {
      frame.close();
    }
    const session = this.session;
    this.worker ??= this.startWorker();
    this.worker.postMessage({ session, buf, offset: layout[0].offset, stride: layout[0].stride, w, h, fullRange }, [buf.buffer]);
  }

  startWorker() {
    const worker = new Worker(new URL("./quality-worker.js", import.meta.url), { type: "module" });
    worker.onmessage = (ev) => {
      this.busy = false;
      const r = ev.data;
      if (r.session !== this.session) return;
      if (!r.result) {
        this.skipped++;
        return;
      }
      this.frames++;
      push(this.psnrDb, r.result.psnrDb);
      push(this.ssim, r.result.ssim);
    };
    worker.onerror = (e) => {
      this.busy = false;
      this.skipped++;
      console.info("quality worker:", e.message);
    };
    return worker;
  }

  snapshot() {
    return { frames: this.frames, skipped: this.skipped, psnrDb: this.psnrDb.slice(), ssim: this.ssim.slice() };
  }
}

function push(list, v) {
  list.push(v);
  if (list.length > MAX_VALUES) list.splice(0, list.length - MAX_VALUES);
}
