package framecode

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"time"
)

// Layout of the code (DESIGN.md).
const (
	Columns = 16
	Rows    = 3
	Bits    = Columns * Rows // 48

	// White and Black are the luma values of a 1 and a 0 bit (video range).
	White = 235
	Black = 16
	// Threshold separates the two: a block whose mean luma is at least Threshold is 1.
	Threshold = 128

	// TimeModulus is the range of the capture time field: Unix ms mod 2^24 (~4.66 h).
	TimeModulus = 1 << 24
)

// Errors returned by Encode and Decode.
var (
	// ErrFrameTooSmall means the frame is smaller than 16×12 pixels, so a block
	// would be less than one pixel.
	ErrFrameTooSmall = errors.New("frame too small for the frame code")
	// ErrUnreadable means the bits were read but the CRC does not match: the frame
	// carries no code, or it was damaged. Such a frame is counted, not guessed.
	ErrUnreadable = errors.New("frame code unreadable (CRC mismatch)")
)

// Code is the content of one frame code.
type Code struct {
	// Frame is the frame number mod 2^16.
	Frame uint16
	// CaptureMs is the capture time in Unix milliseconds mod 2^24.
	CaptureMs uint32
}

// New returns the code of frame number n captured at t.
func New(n uint64, t time.Time) Code {
	return Code{Frame: uint16(n), CaptureMs: uint32(t.UnixMilli() % TimeModulus)}
}

// Latency is the time from capture to now, computed mod 2^24 ms as DESIGN.md says;
// it is meaningful only when the sender's and the receiver's clocks agree.
func (c Code) Latency(now time.Time) time.Duration {
	ms := (now.UnixMilli() - int64(c.CaptureMs)) % TimeModulus
	if ms < 0 {
		ms += TimeModulus
	}
	return time.Duration(ms) * time.Millisecond
}

// String formats the code for logs.
func (c Code) String() string { return fmt.Sprintf("frame %d @ %d ms", c.Frame, c.CaptureMs) }

// bytes returns the six bytes of the code: frame (2), time (3), CRC-8 (1).
func (c Code) bytes() [6]byte {
	var b [6]byte
	b[0] = byte(c.Frame >> 8)
	b[1] = byte(c.Frame)
	t := c.CaptureMs % TimeModulus
	b[2] = byte(t >> 16)
	b[3] = byte(t >> 8)
	b[4] = byte(t)
	b[5] = CRC8(b[:5])
	return b
}

// CRC8 is the CRC-8 of DESIGN.md: polynomial 0x07, initial value 0, no reflection,
// no final xor (CRC-8/SMBUS).
func CRC8(data []byte) byte {
	var crc byte
	for _, d := range data {
		crc ^= d
		for range 8 {
			if crc&0x80 != 0 {
				crc = crc<<1 ^ 0x07
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// BlockSize is the side of one block in pixels for a w×h frame: min(w/16, h/12).
func BlockSize(w, h int) int { return min(w/Columns, h/12) }

// Encode draws c into the top-left corner of img: luma 235 for a 1 bit, 16 for a 0
// bit, neutral chroma over the whole code so that an RGB reader sees pure white and
// black. img must be 4:2:0, 4:2:2 or 4:4:4 YCbCr.
func Encode(img *image.YCbCr, c Code) error {
	r := img.Rect
	bs := BlockSize(r.Dx(), r.Dy())
	if bs < 1 {
		return fmt.Errorf("encode %dx%d: %w", r.Dx(), r.Dy(), ErrFrameTooSmall)
	}
	b := c.bytes()
	for i := range Bits {
		bit := b[i/8]>>(7-uint(i%8))&1 == 1
		y := byte(Black)
		if bit {
			y = White
		}
		x0 := r.Min.X + (i%Columns)*bs
		y0 := r.Min.Y + (i/Columns)*bs
		for yy := y0; yy < y0+bs; yy++ {
			off := img.YOffset(x0, yy)
			row := img.Y[off : off+bs]
			for k := range row {
				row[k] = y
			}
		}
	}
	// Neutral chroma over the code's area.
	for yy := r.Min.Y; yy < r.Min.Y+Rows*bs; yy++ {
		for xx := r.Min.X; xx < r.Min.X+Columns*bs; xx++ {
			off := img.COffset(xx, yy)
			img.Cb[off] = 128
			img.Cr[off] = 128
		}
	}
	return nil
}

// Decode reads the code from img, whatever its type (YCbCr is read directly, other
// images through their RGB values). It samples the mean luma of the central half of
// each block and thresholds it at 128. A CRC mismatch returns ErrUnreadable, and so
// do six zero bytes (an all-black corner, whose CRC is 0). The encoder never draws
// them in practice: frame 0 would have to be captured at a multiple of 2^24 ms.
func Decode(img image.Image) (Code, error) {
	r := img.Bounds()
	bs := BlockSize(r.Dx(), r.Dy())
	if bs < 1 {
		return Code{}, fmt.Errorf("decode %dx%d: %w", r.Dx(), r.Dy(), ErrFrameTooSmall)
	}
	half := max(1, bs/2)
	inset := (bs - half) / 2
	luma := lumaFunc(img)
	var b [6]byte
	for i := range Bits {
		x0 := r.Min.X + (i%Columns)*bs + inset
		y0 := r.Min.Y + (i/Columns)*bs + inset
		sum := 0
		for yy := y0; yy < y0+half; yy++ {
			for xx := x0; xx < x0+half; xx++ {
				sum += luma(xx, yy)
			}
		}
		if sum >= Threshold*half*half {
			b[i/8] |= 1 << (7 - uint(i%8))
		}
	}
	if CRC8(b[:5]) != b[5] || b == [6]byte{} {
		// Six zero bytes pass the CRC, but they are what an all-black corner
		// reads as: DESIGN.md counts them as unreadable.
		return Code{}, ErrUnreadable
	}
	return Code{
		Frame:     uint16(b[0])<<8 | uint16(b[1]),
		CaptureMs: uint32(b[2])<<16 | uint32(b[3])<<8 | uint32(b[4]),
	}, nil
}

// lumaFunc returns a reader of 8-bit luma for img.
func lumaFunc(img image.Image) func(x, y int) int {
	switch m := img.(type) {
	case *image.YCbCr:
		return func(x, y int) int { return int(m.Y[m.YOffset(x, y)]) }
	case *image.Gray:
		return func(x, y int) int { return int(m.Pix[m.PixOffset(x, y)]) }
	default:
		return func(x, y int) int {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray)
			return int(g.Y)
		}
	}
}
