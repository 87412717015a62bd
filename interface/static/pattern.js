// The synthetic test pattern's luma (camera/synthetic, DESIGN.md "Synthetic
// frame code"), bit for bit: frame n is a triangle ramp 16…235…16 with a
// period of 256 pixels along x + ⌊y/2⌋, moved 4 pixels per frame:
//   Y(x, y, n) = ramp((x + ⌊y/2⌋ + 4n) mod 256),
//   ramp(p) = 16 + ⌊q·219/127⌋ with q = p for p < 128, else 255 − p.
// A frame's luma is a pure function of its number, which the frame code
// carries (mod 2^16, enough: the pattern repeats every 64 frames). The
// canvas source draws it; the quality sampler regenerates it as the
// reference of a received frame. A test compares it with the Go generator.

export const PERIOD = 256;

/** The ramp over one period: RAMP[p] is the luma at phase p. */
export const RAMP = Uint8Array.from({ length: PERIOD }, (_, p) => {
  const q = p >= PERIOD / 2 ? PERIOD - 1 - p : p;
  return 16 + Math.floor((q * 219) / (PERIOD / 2 - 1));
});

/** The pattern's phase shift of frame n (pixels). */
export function shiftOf(n) {
  return (n * 4) % PERIOD;
}

/** Writes frame n's w×h luma into dst (row stride `stride`, default w). */
export function drawLuma(dst, w, h, n, stride = w) {
  const shift = shiftOf(n);
  for (let y = 0; y < h; y++) {
    const off = shift + (y >> 1);
    const row = y * stride;
    for (let x = 0; x < w; x++) dst[row + x] = RAMP[(off + x) & (PERIOD - 1)];
  }
  return dst;
}

/**
 * FULL_RANGE[Y] is the full-range (0–255) luma of studio-range luma Y
 * (16–235): the grey level whose BT.601 studio-range conversion, Y = (66R +
 * 129G + 25B + 128) >> 8 + 16 (libyuv ARGBToI420), gives Y. The canvas
 * source draws these greys; Chromium's canvas capture hands the encoder
 * full-range frames (VideoFrame.colorSpace.fullRange), whose luma of a grey
 * is the grey itself.
 */
export const FULL_RANGE = (() => {
  const t = new Uint8Array(256);
  for (let v = 255; v >= 0; v--) t[((220 * v + 128) >> 8) + 16] = v;
  for (let y = 0; y < 16; y++) t[y] = 0;
  for (let y = 236; y < 256; y++) t[y] = 255;
  return t;
})();
