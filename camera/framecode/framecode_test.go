package framecode

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// busyFrame returns a w×h 4:2:0 frame with a textured background, so the code is
// surrounded by detail as in a real synthetic frame.
func busyFrame(w, h int) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		for x := range w {
			img.Y[img.YOffset(x, y)] = byte((x*7 + y*3) % 220)
		}
	}
	for i := range img.Cb {
		img.Cb[i] = byte(i % 256)
		img.Cr[i] = byte(255 - i%256)
	}
	return img
}

// boxBlur blurs the luma plane with a (2r+1)² box, as a scaler or a soft decoder would.
func boxBlur(src *image.YCbCr, r int) *image.YCbCr {
	dst := image.NewYCbCr(src.Rect, src.SubsampleRatio)
	copy(dst.Cb, src.Cb)
	copy(dst.Cr, src.Cr)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	for y := range h {
		for x := range w {
			sum, n := 0, 0
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= w || yy >= h {
						continue
					}
					sum += int(src.Y[src.YOffset(xx, yy)])
					n++
				}
			}
			dst.Y[dst.YOffset(x, y)] = byte(sum / n)
		}
	}
	return dst
}

func jpegRoundTrip(t *testing.T, img image.Image, quality int) image.Image {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}))
	out, err := jpeg.Decode(&buf)
	require.NoError(t, err)
	return out
}

// toRGBA converts to RGBA, as a browser canvas holds a decoded video frame.
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(x, y, img.At(x, y))
		}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	capture := time.UnixMilli(1_764_000_000_123)
	sizes := []struct{ w, h int }{{160, 90}, {640, 480}, {1280, 720}, {1920, 1080}, {16, 12}, {33, 25}}
	distortions := []struct {
		name string
		fn   func(t *testing.T, img *image.YCbCr) image.Image
	}{
		{"none", func(_ *testing.T, img *image.YCbCr) image.Image { return img }},
		{"rgb", func(_ *testing.T, img *image.YCbCr) image.Image { return toRGBA(img) }},
		{"blur", func(_ *testing.T, img *image.YCbCr) image.Image { return boxBlur(img, 1) }},
		{"jpeg50", func(t *testing.T, img *image.YCbCr) image.Image { return jpegRoundTrip(t, img, 50) }},
		{"blur+jpeg50", func(t *testing.T, img *image.YCbCr) image.Image { return jpegRoundTrip(t, boxBlur(img, 1), 50) }},
	}
	codes := []Code{
		New(0, capture),
		New(1, capture),
		New(65535, capture.Add(17*time.Millisecond)),
		{Frame: 0xA5A5, CaptureMs: TimeModulus - 1},
		{Frame: 0x5A5A, CaptureMs: 0},
	}
	for _, size := range sizes {
		for _, d := range distortions {
			if size.w < 64 && d.name != "none" && d.name != "rgb" {
				continue // 1–2 pixel blocks do not survive a blur; the spec's smallest case is 160×90
			}
			t.Run(fmt.Sprintf("%s/%dx%d", d.name, size.w, size.h), func(t *testing.T) {
				for _, c := range codes {
					img := busyFrame(size.w, size.h)
					require.NoError(t, Encode(img, c))
					got, err := Decode(d.fn(t, img))
					require.NoError(t, err, "code %v", c)
					assert.Equal(t, c, got)
				}
			})
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		img  image.Image
		want error
	}{
		{"too small", image.NewYCbCr(image.Rect(0, 0, 15, 90), image.YCbCrSubsampleRatio420), ErrFrameTooSmall},
		{"too short", image.NewGray(image.Rect(0, 0, 160, 11)), ErrFrameTooSmall},
		{"no code", busyFrame(320, 240), ErrUnreadable},
		{"all black", image.NewGray(image.Rect(0, 0, 320, 240)), ErrUnreadable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.img)
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestDecodeDetectsDamage(t *testing.T) {
	img := busyFrame(640, 360)
	require.NoError(t, Encode(img, Code{Frame: 1234, CaptureMs: 98765}))
	bs := BlockSize(640, 360)
	// Flip bit 3 (column 3, row 0) by painting its block the other colour.
	x0 := 3 * bs
	v := img.Y[img.YOffset(x0+bs/2, bs/2)]
	flipped := byte(White)
	if v == White {
		flipped = Black
	}
	for y := 0; y < bs; y++ {
		for x := x0; x < x0+bs; x++ {
			img.Y[img.YOffset(x, y)] = flipped
		}
	}
	_, err := Decode(img)
	require.ErrorIs(t, err, ErrUnreadable)
}

func TestEncodeTooSmall(t *testing.T) {
	err := Encode(image.NewYCbCr(image.Rect(0, 0, 8, 8), image.YCbCrSubsampleRatio420), Code{})
	require.ErrorIs(t, err, ErrFrameTooSmall)
}

func TestCRC8(t *testing.T) {
	// CRC-8/SMBUS check value: "123456789" → 0xF4.
	assert.Equal(t, byte(0xF4), CRC8([]byte("123456789")))
	assert.Equal(t, byte(0), CRC8(nil))
}

func TestLatency(t *testing.T) {
	tests := []struct {
		name    string
		capture uint32
		now     time.Time
		want    time.Duration
	}{
		{"plain", 1000, time.UnixMilli(TimeModulus*5 + 1040), 40 * time.Millisecond},
		{"wrap", TimeModulus - 10, time.UnixMilli(TimeModulus*6 + 5), 15 * time.Millisecond},
		{"zero", 77, time.UnixMilli(77), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Code{CaptureMs: tt.capture}.Latency(tt.now))
		})
	}
}

func TestBlockSize(t *testing.T) {
	tests := []struct{ w, h, want int }{
		{160, 90, 7}, {1920, 1080, 90}, {1280, 720, 60}, {640, 480, 40}, {15, 100, 0}, {100, 11, 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, BlockSize(tt.w, tt.h), "%dx%d", tt.w, tt.h)
	}
}

// FuzzDecode feeds arbitrary luma planes to Decode: it must never panic, and a code
// it accepts must survive being drawn again.
func FuzzDecode(f *testing.F) {
	f.Add(uint8(160), uint8(90), []byte{0, 255, 16, 235})
	f.Add(uint8(16), uint8(12), []byte{235})
	f.Fuzz(func(t *testing.T, w, h uint8, pix []byte) {
		img := image.NewGray(image.Rect(0, 0, int(w), int(h)))
		for i := range img.Pix {
			if len(pix) > 0 {
				img.Pix[i] = pix[i%len(pix)]
			}
		}
		c, err := Decode(img)
		if err != nil {
			return
		}
		y := image.NewYCbCr(img.Rect, image.YCbCrSubsampleRatio444)
		require.NoError(t, Encode(y, c))
		again, err := Decode(y)
		require.NoError(t, err)
		require.Equal(t, c, again)
	})
}
