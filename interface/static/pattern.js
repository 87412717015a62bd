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
