package passthrough

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxIVFFrame bounds one IVF frame.
const DefaultMaxIVFFrame = 8 << 20

// IVFHeader is the 32-byte file header of an IVF stream (the container of
// libvpx's test vectors; little-endian).
type IVFHeader struct {
	FourCC        string // "VP80" for VP8
	Width, Height int
	// TimebaseDenominator / TimebaseNumerator is the frame rate when every frame
	// advances the timestamp by one (what ffmpeg and vpxenc write).
	TimebaseDenominator uint32
	TimebaseNumerator   uint32
	FrameCount          uint32
}

// FPS returns the header's frame rate, or 0 if the time base is unusable.
func (h IVFHeader) FPS() float64 {
	if h.TimebaseDenominator == 0 || h.TimebaseNumerator == 0 {
		return 0
	}
	return float64(h.TimebaseDenominator) / float64(h.TimebaseNumerator)
}

// IVFFrame is one frame of an IVF stream.
type IVFFrame struct {
	Data      []byte
	Timestamp uint64 // in time-base units
}

// VP8Keyframe reports whether a VP8 frame is a key frame (RFC 6386 §9.1:
// the frame tag's bit 0 is 0 for a key frame).
func VP8Keyframe(frame []byte) bool { return len(frame) > 0 && frame[0]&1 == 0 }

// IVFReader reads frames from an IVF stream.
type IVFReader struct {
	r        io.Reader
	header   IVFHeader
	maxFrame int
	hdr      [12]byte
}

// NewIVFReader reads and checks the file header.
func NewIVFReader(r io.Reader) (*IVFReader, error) {
	var b [32]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return nil, fmt.Errorf("%w: read file header: %w", ErrInvalidIVF, err)
	}
	if string(b[0:4]) != "DKIF" {
		return nil, fmt.Errorf("%w: signature %q, want \"DKIF\"", ErrInvalidIVF, b[0:4])
	}
	if v := binary.LittleEndian.Uint16(b[4:]); v != 0 {
		return nil, fmt.Errorf("%w: version %d, want 0", ErrInvalidIVF, v)
	}
	hlen := int(binary.LittleEndian.Uint16(b[6:]))
	if hlen < 32 || hlen > 1024 {
		return nil, fmt.Errorf("%w: header length %d", ErrInvalidIVF, hlen)
	}
	if hlen > 32 {
		if _, err := io.CopyN(io.Discard, r, int64(hlen-32)); err != nil {
			return nil, fmt.Errorf("%w: read file header: %w", ErrInvalidIVF, err)
		}
	}
	h := IVFHeader{
		FourCC:              string(b[8:12]),
		Width:               int(binary.LittleEndian.Uint16(b[12:])),
		Height:              int(binary.LittleEndian.Uint16(b[14:])),
		TimebaseDenominator: binary.LittleEndian.Uint32(b[16:]),
		TimebaseNumerator:   binary.LittleEndian.Uint32(b[20:]),
		FrameCount:          binary.LittleEndian.Uint32(b[24:]),
	}
	return &IVFReader{r: r, header: h, maxFrame: DefaultMaxIVFFrame}, nil
}

// Header returns the file header.
func (r *IVFReader) Header() IVFHeader { return r.header }

// Next returns the next frame, io.EOF at a clean end of the stream and
// ErrInvalidIVF (wrapping io.ErrUnexpectedEOF) for a truncated frame.
func (r *IVFReader) Next() (IVFFrame, error) {
	if _, err := io.ReadFull(r.r, r.hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return IVFFrame{}, io.EOF
		}
		return IVFFrame{}, fmt.Errorf("%w: frame header: %w", ErrInvalidIVF, err)
	}
	size := binary.LittleEndian.Uint32(r.hdr[0:])
	if size == 0 || size > uint32(r.maxFrame) {
		return IVFFrame{}, fmt.Errorf("%w: frame size %d (limit %d)", ErrInvalidIVF, size, r.maxFrame)
	}
	f := IVFFrame{Timestamp: binary.LittleEndian.Uint64(r.hdr[4:])}
	// Grow the buffer as data arrives: a corrupt size field must not cost
	// megabytes of memory for a stream that ends a few bytes later.
	var buf bytes.Buffer
	buf.Grow(int(min(size, 64<<10)))
	n, err := io.CopyN(&buf, r.r, int64(size))
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return IVFFrame{}, fmt.Errorf("%w: frame of %d bytes, %d read: %w", ErrInvalidIVF, size, n, err)
	}
	f.Data = buf.Bytes()
	return f, nil
}
