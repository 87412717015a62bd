package webui_test

import (
	"encoding/base64"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera/synthetic"
	"echtzeit/harness/browser"
	"echtzeit/harness/quality"
)

// syntheticFrame returns frame n of the camera's synthetic source at w×h (its
// Go generator, camera/synthetic, with the frame code drawn in).
func syntheticFrame(t *testing.T, w, h int, n uint64) *image.YCbCr {
	t.Helper()
	t0 := time.UnixMilli(1_764_000_000_000)
	calls := 0
	// The first Read draws frame 0; the second finds itself n frame slots
	// later and skips to frame n.
	clock := func() time.Time {
		calls++
		if calls <= 2 {
			return t0
		}
		return t0.Add(time.Duration(n) * time.Second / 30)
	}
	r, err := synthetic.NewReader(synthetic.Config{Width: w, Height: h, FPS: 30, Now: clock})
	require.NoError(t, err)
	defer func() { _ = r.Close() }()
	img, release, err := r.Read()
	require.NoError(t, err)
	release()
	if n == 0 {
		return img.(*image.YCbCr)
	}
	img, _, err = r.Read()
	require.NoError(t, err)
	return img.(*image.YCbCr)
}

// lumaPlane copies img's luma into a quality.Plane.
func lumaPlane(img *image.YCbCr) quality.Plane {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	p := quality.Plane{Pix: make([]byte, w*h), W: w, H: h, Stride: w}
	for y := range h {
		copy(p.Pix[y*w:(y+1)*w], img.Y[y*img.YStride:])
	}
	return p
}

// TestPatternMatchesGo: the page's pattern.js draws the luma of the camera's
// synthetic frames bit for bit (outside the frame code, which it does not
// draw).
func TestPatternMatchesGo(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 120*time.Second)
	page := openPage(ctx, t, srv, "/")
	cases := []struct {
		w, h int
		n    uint64
	}{{160, 90, 0}, {160, 90, 1}, {320, 180, 63}, {320, 180, 64}, {640, 360, 1000}, {1280, 720, 65535 + 3}}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%dx%d frame %d", c.w, c.h, c.n), func(t *testing.T) {
			want := lumaPlane(syntheticFrame(t, c.w, c.h, c.n))
			b64, err := browser.Eval[string](ctx, page, fmt.Sprintf(`(async () => {
				const p = await import("/pattern.js");
				const y = p.drawLuma(new Uint8Array(%d * %d), %d, %d, %d & 0xffff);
				let s = ""; for (let i = 0; i < y.length; i += 8192) s += String.fromCharCode(...y.subarray(i, i + 8192));
				return btoa(s);
			})()`, c.w, c.h, c.w, c.h, c.n))
			require.NoError(t, err)
			got, err := base64.StdEncoding.DecodeString(b64)
			require.NoError(t, err)
			require.Len(t, got, c.w*c.h)
			area := quality.CodeArea(c.w, c.h)
			diff := 0
			for y := range c.h {
				for x := range c.w {
					if x < area.W && y < area.H {
						continue
					}
					if got[y*c.w+x] != want.Pix[y*c.w+x] {
						diff++
					}
				}
			}
			assert.Zero(t, diff, "pixels that differ")
		})
	}
}

// TestQualityMatchesGo: the page's PSNR and SSIM (quality.js) give the same
// numbers as harness/quality on the same frames, and compareFrame finds the
// reference of a noisy synthetic frame by its frame code.
func TestQualityMatchesGo(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 120*time.Second)
	page := openPage(ctx, t, srv, "/")
	rng := rand.New(rand.NewPCG(11, 12))
	type result struct {
		PSNR, SSIM           float64
		Frame                int
		FramePSNR, FrameSSIM float64
	}
	for _, c := range []struct {
		w, h  int
		sigma float64
	}{{320, 180, 0}, {320, 180, 3}, {640, 360, 8}, {161, 91, 20}} {
		t.Run(fmt.Sprintf("%dx%d σ=%v", c.w, c.h, c.sigma), func(t *testing.T) {
			w, h := c.w-c.w%2, c.h-c.h%2
			n := uint64(rng.IntN(5000))
			frame := syntheticFrame(t, w, h, n)
			ref := lumaPlane(frame)
			noisy := quality.Plane{Pix: make([]byte, len(ref.Pix)), W: w, H: h, Stride: w}
			for i, v := range ref.Pix {
				noisy.Pix[i] = byte(min(255, max(0, float64(v)+math.Round(c.sigma*rng.NormFloat64()))))
			}
			// The frame code stays readable: copy it back unharmed.
			area := quality.CodeArea(w, h)
			for y := range area.H {
				copy(noisy.Pix[y*w:y*w+area.W], ref.Pix[y*w:y*w+area.W])
			}
			wantPSNR, err := quality.PSNR(ref, noisy, area)
			require.NoError(t, err)
			wantSSIM, err := quality.SSIM(ref, noisy, area)
			require.NoError(t, err)

			enc := base64.StdEncoding.EncodeToString
			got, err := browser.Eval[result](ctx, page, fmt.Sprintf(`(async () => {
				const q = await import("/quality.js");
				const dec = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
				const ref = dec(%q), got = dec(%q), w = %d, h = %d;
				const ex = q.codeArea(w, h);
				// The received frame in a wider buffer, as VideoFrame.copyTo may lay it out.
				const stride = w + 32, wide = new Uint8Array(16 + stride * h);
				for (let y = 0; y < h; y++) wide.set(got.subarray(y * w, y * w + w), 16 + y * stride);
				const r = q.compareFrame(wide, 16, stride, w, h);
				return {PSNR: q.psnr(ref, got, w, h, w, w, ex), SSIM: q.ssim(ref, got, w, h, w, w, ex),
					Frame: r ? r.frame : -1, FramePSNR: r ? r.psnrDb : -1, FrameSSIM: r ? r.ssim : -1};
			})()`, enc(ref.Pix), enc(noisy.Pix), w, h))
			require.NoError(t, err)
			assert.InDelta(t, wantPSNR, got.PSNR, 1e-9)
			assert.InDelta(t, wantSSIM, got.SSIM, 1e-12)
			assert.Equal(t, int(n&0xffff), got.Frame, "frame number from the code")
			assert.InDelta(t, wantPSNR, got.FramePSNR, 1e-9, "the regenerated reference is the Go frame")
			assert.InDelta(t, wantSSIM, got.FrameSSIM, 1e-12)
			if c.sigma == 0 {
				assert.Equal(t, float64(quality.MaxPSNR), got.PSNR)
				assert.Equal(t, 1.0, got.SSIM)
			}
		})
	}
}
