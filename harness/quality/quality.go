package quality

import (
	"errors"
	"fmt"
	"math"

	"echtzeit/camera/framecode"
)

// MaxPSNR is the PSNR reported for identical pictures (whose PSNR is
// infinite), in dB.
const MaxPSNR = 100

// Window is the side of SSIM's square windows in pixels.
const Window = 8

// SSIM's stabilising constants for 8-bit values: (K·L)² with K1 = 0.01,
// K2 = 0.03, L = 255.
const (
	c1 = (0.01 * 255) * (0.01 * 255)
	c2 = (0.03 * 255) * (0.03 * 255)
)

// ErrNothingToCompare is returned when the exclusion leaves no pixel (PSNR)
// or no window (SSIM).
var ErrNothingToCompare = errors.New("nothing left to compare")

// Plane is an 8-bit luma plane: W×H pixels, row y at Pix[y*Stride:].
type Plane struct {
	Pix    []byte
	W, H   int
	Stride int
}

func (p Plane) check() error {
	if p.W <= 0 || p.H <= 0 || p.Stride < p.W || len(p.Pix) < (p.H-1)*p.Stride+p.W {
		return fmt.Errorf("plane %dx%d stride %d with %d bytes", p.W, p.H, p.Stride, len(p.Pix))
	}
	return nil
}

// Rect is a rectangle at the top-left corner, W×H pixels, left out of the
// comparison (the zero value leaves nothing out).
type Rect struct{ W, H int }

// CodeArea is the synthetic frame code's area of a w×h frame (DESIGN.md):
// 16 × 3 blocks of min(w/16, h/12) pixels.
func CodeArea(w, h int) Rect {
	bs := framecode.BlockSize(w, h)
	return Rect{W: framecode.Columns * bs, H: framecode.Rows * bs}
}

func sameSize(ref, got Plane) error {
	if err := ref.check(); err != nil {
		return fmt.Errorf("reference: %w", err)
	}
	if err := got.check(); err != nil {
		return fmt.Errorf("received: %w", err)
	}
	if ref.W != got.W || ref.H != got.H {
		return fmt.Errorf("reference is %dx%d, received %dx%d", ref.W, ref.H, got.W, got.H)
	}
	return nil
}

// PSNR returns 10·log10(255² / MSE) in dB over the pixels outside exclude,
// MaxPSNR when they are identical.
func PSNR(ref, got Plane, exclude Rect) (float64, error) {
	if err := sameSize(ref, got); err != nil {
		return 0, err
	}
	var sse float64
	n := 0
	for y := range ref.H {
		x0 := 0
		if y < exclude.H {
			x0 = min(ref.W, exclude.W)
		}
		r := ref.Pix[y*ref.Stride:]
		g := got.Pix[y*got.Stride:]
		for x := x0; x < ref.W; x++ {
			d := float64(r[x]) - float64(g[x])
			sse += d * d
		}
		n += ref.W - x0
	}
	if n == 0 {
		return 0, ErrNothingToCompare
	}
	if sse == 0 {
		return MaxPSNR, nil
	}
	return math.Min(MaxPSNR, 10*math.Log10(255*255*float64(n)/sse)), nil
}

// SSIM returns the mean SSIM over the non-overlapping 8×8 windows that lie
// inside the frame and do not touch exclude. Per window, with the
// population means μ, variances σ² and covariance σxy of its 64 pixels:
// ((2μxμy + C1)(2σxy + C2)) / ((μx² + μy² + C1)(σx² + σy² + C2)).
func SSIM(ref, got Plane, exclude Rect) (float64, error) {
	if err := sameSize(ref, got); err != nil {
		return 0, err
	}
	const n = Window * Window
	var sum float64
	windows := 0
	for wy := 0; wy+Window <= ref.H; wy += Window {
		for wx := 0; wx+Window <= ref.W; wx += Window {
			if wy < exclude.H && wx < exclude.W {
				continue
			}
			var sx, sy, sxx, syy, sxy float64
			for y := wy; y < wy+Window; y++ {
				r := ref.Pix[y*ref.Stride:]
				g := got.Pix[y*got.Stride:]
				for x := wx; x < wx+Window; x++ {
					a, b := float64(r[x]), float64(g[x])
					sx += a
					sy += b
					sxx += a * a
					syy += b * b
					sxy += a * b
				}
			}
			mx, my := sx/n, sy/n
			vx, vy := sxx/n-mx*mx, syy/n-my*my
			cxy := sxy/n - mx*my
			sum += (2*mx*my + c1) * (2*cxy + c2) / ((mx*mx + my*my + c1) * (vx + vy + c2))
			windows++
		}
	}
	if windows == 0 {
		return 0, ErrNothingToCompare
	}
	return sum / float64(windows), nil
}
