// Package quality measures picture quality on the luma plane: PSNR and SSIM
// (Wang, Bovik, Sheikh and Simoncelli 2004) of a received frame against its
// reference, the way the viewer page computes them (interface/static/
// quality.js; DESIGN.md, "Picture quality"): PSNR over every pixel, SSIM as
// the mean over non-overlapping 8×8 windows with population statistics,
// both leaving out a rectangle in the top-left corner (the synthetic frame
// code). The page's JavaScript and this package are checked against each
// other in Chromium (package webui's tests); this package's own tests fix
// the definitions on frames with known distortions.
package quality
