// Package framecode draws and reads the synthetic frame code of echtzeit
// (DESIGN.md, "Synthetic frame code"): 48 bits in a grid of 16 × 3 square blocks in
// the top-left corner of a frame, carrying the frame number, the capture time in Unix
// milliseconds (mod 2^24) and a CRC-8. The camera draws it into every synthetic frame;
// a viewer reads it back to measure end-to-end latency and to detect frozen, repeated
// or skipped frames. The page's JavaScript decoder follows the same rules.
package framecode
