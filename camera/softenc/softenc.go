package softenc

import (
	"errors"
	"fmt"
	"image"
	"log/slog"
	"time"

	"github.com/pion/mediadevices/pkg/io/video"

	"echtzeit/camera"
)

// ErrNoCgo is returned by New in a binary built with CGO_ENABLED=0.
var ErrNoCgo = errors.New("camera built without cgo: the synthetic/v4l2 sources and software codecs need a cgo build")

// Source is a camera.EncodedSource that captures from a RawSource and encodes in
// software. It implements camera.FormatSupporter (both codecs, the raw source's
// sizes) and camera.KeyFrameStreamer (PLI → key frame).
type Source struct {
	raw     camera.RawSource
	codec   string
	log     *slog.Logger
	metrics *camera.Metrics
	opts    options
}

// options are the encoder knobs beyond the Format.
type options struct {
	vp8Tuned   bool
	vp8CPUUsed int
	vp8Threads int

	h264Own     bool
	h264Preset  string
	h264Threads int
	h264VBVSize time.Duration // 0: DefaultH264VBV, or two frames when adapting

	// clock, when set, stamps the frames for the own encoders instead of
	// time.Now (tests: an encoder that sees exactly the nominal frame rate).
	clock func() time.Time
}

// DefaultH264VBV is the default x264 rate-control buffer (VBV) in time at
// the target bitrate. A long buffer lets key frames be large (up to a second
// of bits) while the synthetic pattern's P-frames are small; the receiver's
// jitter buffer grows with that spread of frame sizes. A short one
// (WithH264VBV, --h264-vbv) evens the sizes out, but x264's ABR then
// undershoots the target bitrate (measured: three frames at 1280×720 gave half
// of it), so the default stays one second (issue #13's measurements) for a
// stream at a fixed bitrate. A stream whose bitrate follows the camera's
// bandwidth estimate (StreamRates with rates) defaults to two frames instead:
// there a key frame of a second's bits would fill a thin link's queue for a
// second, and the estimate, not the buffer, keeps the bitrate near the link's
// (x264 undershoots a two-frame target by about 9 %, TestBitrateFollowsTarget).
const DefaultH264VBV = time.Second

// h264VBV is the VBV of a stream at fps frames per second; adaptive says
// whether its bitrate follows the estimate.
func (o options) h264VBV(fps int, adaptive bool) time.Duration {
	if o.h264VBVSize > 0 {
		return o.h264VBVSize
	}
	if adaptive {
		return 2 * time.Second / time.Duration(max(1, fps))
	}
	return DefaultH264VBV
}

// WithH264VBV sets x264's rate-control buffer to d at the target bitrate: how
// far a frame may exceed its share of the bitrate. A long buffer lets key
// frames and busy frames be large (better pictures, uneven frame sizes:
// the receiver's jitter buffer waits longer); a short one keeps every frame
// near the average size.
func WithH264VBV(d time.Duration) Option {
	return func(o *options) { o.h264VBVSize = d }
}

// Option tunes the encoders.
type Option func(*options)

// WithVP8Tuning encodes VP8 with this package's own libvpx binding instead of
// mediadevices', which exposes neither knob: cpuUsed is libvpx's VP8E_SET_CPUUSED
// (-16…16; larger magnitudes are faster, negative values fixed speed, WebRTC uses
// -6 on desktops), threads the encoder threads (with two token partitions).
func WithVP8Tuning(cpuUsed, threads int) Option {
	return func(o *options) {
		o.vp8Tuned = true
		o.vp8CPUUsed = min(16, max(-16, cpuUsed))
		o.vp8Threads = min(16, max(1, threads))
	}
}

var (
	_ camera.FormatSupporter  = (*Source)(nil)
	_ camera.KeyFrameStreamer = (*Source)(nil)
	_ camera.RateStreamer     = (*Source)(nil)
	_ camera.FrameCounter     = (*Source)(nil)
)

// CountsFrames marks the source as counting its own frames (camera.FrameCounter).
func (s *Source) CountsFrames() {}

// Codec is the default codec the source was created with.
func (s *Source) Codec() string { return s.codec }

// SupportsFormat accepts VP8 and H.264 at every size and rate the raw source can do.
func (s *Source) SupportsFormat(f camera.Format) error {
	if _, err := camera.ParseCodec(f.Codec); err != nil {
		return err
	}
	return s.raw.SupportsFormat(f)
}

// DefaultBitrate is the bitrate used when a Format leaves it 0 (camera.DefaultBitrate).
func DefaultBitrate(f camera.Format) int { return camera.DefaultBitrate(f) }

// DefaultKeyframeInterval is two seconds of frames.
func DefaultKeyframeInterval(f camera.Format) int { return max(1, 2*f.FPS) }

func withDefaults(f camera.Format) camera.Format {
	if f.Bitrate <= 0 {
		f.Bitrate = DefaultBitrate(f)
	}
	if f.KeyframeInterval <= 0 {
		f.KeyframeInterval = DefaultKeyframeInterval(f)
	}
	return f
}

// H264Presets are x264's speed presets, fastest first.
var H264Presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"}

// WithH264Tuning encodes H.264 with this package's own x264 binding instead of
// mediadevices': Constrained Baseline as the camera's SDP announces, x264's
// statistics not printed, preset as given ("" = veryfast), threads 0 = x264's
// choice.
func WithH264Tuning(preset string, threads int) Option {
	return func(o *options) {
		if preset == "" {
			preset = "veryfast"
		}
		o.h264Own = true
		o.h264Preset = preset
		o.h264Threads = max(0, threads)
	}
}

// timedReader remembers when the last raw frame came out of the source, so the
// encode time is the time from there to the encoder's output.
type timedReader struct {
	r    video.Reader
	last time.Time
}

func (t *timedReader) Read() (image.Image, func(), error) {
	img, release, err := t.r.Read()
	t.last = time.Now()
	return img, release, err
}

func codecError(codec string, err error) error {
	return fmt.Errorf("%s encoder: %w", codec, err)
}
