package quality

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func plane(w, h int, f func(x, y int) int) Plane {
	p := Plane{Pix: make([]byte, w*h), W: w, H: h, Stride: w}
	for y := range h {
		for x := range w {
			p.Pix[y*w+x] = byte(min(255, max(0, f(x, y))))
		}
	}
	return p
}

// textured is a frame with detail everywhere (values 40–215).
func textured(w, h int) Plane {
	return plane(w, h, func(x, y int) int { return 40 + (x*7+y*13+(x*y)%17)%176 })
}

func TestIdentical(t *testing.T) {
	ref := textured(64, 48)
	got := textured(64, 48)
	p, err := PSNR(ref, got, Rect{})
	require.NoError(t, err)
	assert.Equal(t, float64(MaxPSNR), p)
	s, err := SSIM(ref, got, Rect{})
	require.NoError(t, err)
	assert.Equal(t, 1.0, s, "identical frames have SSIM 1")
}

func TestPSNRKnownError(t *testing.T) {
	ref := plane(64, 48, func(x, y int) int { return 128 })
	for _, k := range []int{1, 2, 5, 16} {
		// ±k in a checkerboard: every pixel off by k, MSE = k².
		got := plane(64, 48, func(x, y int) int {
			if (x+y)%2 == 0 {
				return 128 + k
			}
			return 128 - k
		})
		p, err := PSNR(ref, got, Rect{})
		require.NoError(t, err)
		assert.InDelta(t, 10*math.Log10(255*255/float64(k*k)), p, 1e-9, "k=%d", k)
	}
}

// TestPSNRGaussianNoise: noise of standard deviation σ (rounded to whole
// values, which adds 1/12 to the variance) gives PSNR = 10·log10(255²/σ²).
func TestPSNRGaussianNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const w, h = 640, 480
	for _, sigma := range []float64{2, 5, 10} {
		ref := plane(w, h, func(x, y int) int { return 128 })
		got := plane(w, h, func(x, y int) int { return 128 + int(math.Round(sigma*rng.NormFloat64())) })
		p, err := PSNR(ref, got, Rect{})
		require.NoError(t, err)
		want := 10 * math.Log10(255*255/(sigma*sigma+1.0/12))
		assert.InDelta(t, want, p, 0.05, "σ=%v: %.3f dB, want %.3f", sigma, p, want)
	}
}

func TestSSIMKnownDistortions(t *testing.T) {
	t.Run("luminance shift of a flat picture", func(t *testing.T) {
		// Flat windows (σ = 0): SSIM is the luminance term alone.
		ref := plane(32, 32, func(x, y int) int { return 100 })
		got := plane(32, 32, func(x, y int) int { return 110 })
		s, err := SSIM(ref, got, Rect{})
		require.NoError(t, err)
		want := (2*100*110 + c1) / (100*100 + 110*110 + c1)
		assert.InDelta(t, want, s, 1e-12)
	})
	t.Run("offset keeps structure", func(t *testing.T) {
		ref := textured(64, 64)
		got := plane(64, 64, func(x, y int) int { return int(ref.Pix[y*64+x]) + 20 })
		s, err := SSIM(ref, got, Rect{})
		require.NoError(t, err)
		assert.Greater(t, s, 0.9)
		assert.Less(t, s, 1.0)
	})
	t.Run("inverted picture", func(t *testing.T) {
		ref := textured(64, 64)
		got := plane(64, 64, func(x, y int) int { return 255 - int(ref.Pix[y*64+x]) })
		s, err := SSIM(ref, got, Rect{})
		require.NoError(t, err)
		assert.Less(t, s, 0.0, "anti-correlated structure gives a negative SSIM")
	})
	t.Run("more noise, lower SSIM", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		ref := textured(128, 128)
		prev := 1.0
		for _, sigma := range []float64{1, 4, 16} {
			got := plane(128, 128, func(x, y int) int { return int(ref.Pix[y*128+x]) + int(math.Round(sigma*rng.NormFloat64())) })
			s, err := SSIM(ref, got, Rect{})
			require.NoError(t, err)
			assert.Less(t, s, prev, "σ=%v", sigma)
			prev = s
		}
	})
}

func TestExclude(t *testing.T) {
	const w, h = 320, 180
	area := CodeArea(w, h)
	assert.Equal(t, Rect{W: 16 * 15, H: 3 * 15}, area)
	ref := textured(w, h)
	// Damage only inside the code's area: nothing else differs.
	got := plane(w, h, func(x, y int) int {
		if x < area.W && y < area.H {
			return 0
		}
		return int(ref.Pix[y*w+x])
	})
	p, err := PSNR(ref, got, area)
	require.NoError(t, err)
	assert.Equal(t, float64(MaxPSNR), p)
	s, err := SSIM(ref, got, area)
	require.NoError(t, err)
	assert.Equal(t, 1.0, s)
	p, err = PSNR(ref, got, Rect{})
	require.NoError(t, err)
	assert.Less(t, p, 30.0, "without the exclusion the damage counts")

	_, err = PSNR(ref, got, Rect{W: w, H: h})
	require.ErrorIs(t, err, ErrNothingToCompare)
	_, err = SSIM(plane(7, 7, func(x, y int) int { return 0 }), plane(7, 7, func(x, y int) int { return 0 }), Rect{})
	require.ErrorIs(t, err, ErrNothingToCompare)
}

func TestStrideAndErrors(t *testing.T) {
	ref := textured(16, 16)
	// The same picture in a wider buffer.
	wide := Plane{Pix: make([]byte, 24*16), W: 16, H: 16, Stride: 24}
	for y := range 16 {
		copy(wide.Pix[y*24:], ref.Pix[y*16:y*16+16])
	}
	p, err := PSNR(ref, wide, Rect{})
	require.NoError(t, err)
	assert.Equal(t, float64(MaxPSNR), p)
	_, err = PSNR(ref, textured(16, 8), Rect{})
	require.Error(t, err)
	_, err = SSIM(Plane{Pix: make([]byte, 10), W: 16, H: 16, Stride: 16}, ref, Rect{})
	require.Error(t, err)
}
