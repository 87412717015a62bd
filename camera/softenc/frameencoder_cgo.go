//go:build cgo

package softenc

import (
	"fmt"
	"image"
	"io"
	"sync"
	"time"

	"github.com/pion/mediadevices/pkg/codec"
	"github.com/pion/mediadevices/pkg/io/video"
)

// encodeFunc encodes one I420 frame with presentation time pts (90 kHz clock
// from the first frame); key asks for a key frame. It returns the encoded
// frame in memory the caller owns.
type encodeFunc func(y *image.YCbCr, pts int64, key bool) ([]byte, error)

// rateFunc changes the encoder's target bitrate (bit/s) between two frames.
type rateFunc func(bitrate int) error

// frameEncoder is the part the codec bindings share: it reads frames from the
// source, stamps them, serialises encoding against ForceKeyFrame, SetBitRate and
// Close, and implements mediadevices' codec.ReadCloser, codec.KeyFrameController
// and codec.BitRateController. The bindings (vp8_cgo.go, h264_cgo.go) supply
// only the encode, rate and free calls.
type frameEncoder struct {
	name    string // for errors: "libvpx VP8", "x264"
	r       video.Reader
	encode  encodeFunc
	setRate rateFunc
	free    func()
	now     func() time.Time // the presentation clock; time.Now but in tests
	start   time.Time

	mu       sync.Mutex
	forceKey bool
	rate     int // a new bitrate to apply before the next frame; 0: none
	closed   bool
}

var (
	_ codec.ReadCloser        = (*frameEncoder)(nil)
	_ codec.BitRateController = (*frameEncoder)(nil)
)

func newFrameEncoder(name string, r video.Reader, encode encodeFunc, setRate rateFunc, free func()) *frameEncoder {
	return &frameEncoder{name: name, r: video.ToI420(r), encode: encode, setRate: setRate, free: free, now: time.Now}
}

// Read reads one frame from the source and returns it encoded.
func (f *frameEncoder) Read() ([]byte, func(), error) {
	img, release, err := f.r.Read()
	if err != nil {
		return nil, func() {}, err
	}
	defer release()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, func() {}, io.EOF
	}
	y, ok := img.(*image.YCbCr)
	if !ok || y.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		return nil, func() {}, fmt.Errorf("%s encoder: want an I420 frame, got %T", f.name, img)
	}
	now := f.now()
	if f.start.IsZero() {
		f.start = now
	}
	if f.rate > 0 {
		if err := f.setRate(f.rate); err != nil {
			return nil, func() {}, fmt.Errorf("%s bitrate %d: %w", f.name, f.rate, err)
		}
		f.rate = 0
	}
	key := f.forceKey
	f.forceKey = false
	out, err := f.encode(y, now.Sub(f.start).Microseconds()*9/100, key)
	if err != nil {
		return nil, func() {}, fmt.Errorf("%s encode: %w", f.name, err)
	}
	return out, func() {}, nil
}

// ForceKeyFrame makes the next frame a key frame (an IDR picture in H.264).
func (f *frameEncoder) ForceKeyFrame() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.forceKey = true
	return nil
}

// SetBitRate changes the target bitrate (bit/s) from the next frame on
// (codec.BitRateController).
func (f *frameEncoder) SetBitRate(bitrate int) error {
	if bitrate <= 0 {
		return fmt.Errorf("%s: bitrate must be positive, got %d", f.name, bitrate)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rate = bitrate
	return nil
}

// Controller returns the encoder itself (codec.KeyFrameController,
// codec.BitRateController).
func (f *frameEncoder) Controller() codec.EncoderController { return f }

// Close frees the encoder; Read returns io.EOF after it.
func (f *frameEncoder) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		f.free()
	}
	return nil
}
