//go:build cgo

package softenc

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/mediadevices/pkg/codec"
	"github.com/pion/mediadevices/pkg/codec/vpx"
	"github.com/pion/mediadevices/pkg/codec/x264"
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"
	"github.com/pion/webrtc/v4/pkg/media"

	"echtzeit/camera"
)

// New returns a software-encoding source over raw with the default codec.
func New(raw camera.RawSource, defaultCodec string, log *slog.Logger, m *camera.Metrics, opts ...Option) (*Source, error) {
	c, err := camera.ParseCodec(defaultCodec)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Source{raw: raw, codec: c, log: log, metrics: m}
	for _, o := range opts {
		o(&s.opts)
	}
	return s, nil
}

// Stream captures and encodes f until ctx is done.
func (s *Source) Stream(ctx context.Context, f camera.Format, write func(media.Sample) error) error {
	return s.StreamKeyFrames(ctx, f, nil, write)
}

// StreamKeyFrames captures and encodes f until ctx is done; a value on keyFrames
// makes the next frame a key frame. Each sample's Duration is the time since the
// previous frame's capture, so the RTP clock follows real capture times even when
// frames are skipped.
func (s *Source) StreamKeyFrames(ctx context.Context, f camera.Format, keyFrames <-chan struct{}, write func(media.Sample) error) error {
	return s.StreamRates(ctx, f, keyFrames, nil, write)
}

// StreamRates is StreamKeyFrames whose encoder bitrate follows rates (bit/s,
// camera.RateStreamer): the newest value is applied before the next frame.
func (s *Source) StreamRates(ctx context.Context, f camera.Format, keyFrames <-chan struct{}, rates <-chan int, write func(media.Sample) error) error {
	if err := s.SupportsFormat(f); err != nil {
		return err
	}
	f = withDefaults(f)
	reader, closer, err := s.raw.Open(f, s.metrics.FramesDropped)
	if err != nil {
		return fmt.Errorf("open source: %w", err)
	}
	defer closer.Close()
	stop := context.AfterFunc(ctx, func() { _ = closer.Close() })
	defer stop()

	timed := &timedReader{r: reader}
	enc, err := s.buildEncoder(timed, f, rates != nil)
	if err != nil {
		return codecError(f.Codec, err)
	}
	defer enc.Close()
	kfc, _ := enc.Controller().(codec.KeyFrameController)
	brc, _ := enc.Controller().(codec.BitRateController)
	s.log.Debug("encoder started", "format", f.String(), "keyframe_interval", f.KeyframeInterval)
	s.metrics.SetEncoderConfiguredBitrate(f.Bitrate)

	if own, ok := enc.(*frameEncoder); ok && keyFrames != nil {
		// Only the own bindings take a request while they encode or wait
		// (mediadevices' x264 would drop one set during an encode).
		stopKeys := forwardKeyFrames(keyFrames, own)
		defer stopKeys()
		keyFrames = nil
	}

	interval := time.Second / time.Duration(f.FPS)
	var last time.Time
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		select {
		case <-keyFrames: // nil for the own bindings (forwardKeyFrames)
			if kfc != nil {
				_ = kfc.ForceKeyFrame()
			}
		default:
		}
		select {
		case r := <-rates:
			if brc != nil {
				if err := brc.SetBitRate(r); err != nil {
					s.log.Warn("encoder refused a bitrate", "bitrate", r, "err", err)
				} else {
					s.metrics.SetEncoderConfiguredBitrate(r)
				}
			}
		default:
		}
		data, release, err := enc.Read()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return codecError(f.Codec, err)
		}
		captured := timed.last
		s.metrics.FrameCaptured()
		if len(data) == 0 { // the rate control skipped this frame
			release()
			s.metrics.FramesDropped(1)
			continue
		}
		s.metrics.FrameEncoded(time.Since(captured))
		d := interval
		if !last.IsZero() {
			d = captured.Sub(last)
		}
		last = captured
		err = write(media.Sample{Data: data, Duration: d, Timestamp: captured})
		release()
		if err != nil {
			return err
		}
	}
}

// clocked gives an own encoder the source's presentation clock (tests).
func (s *Source) clocked(e *frameEncoder, err error) (codec.ReadCloser, error) {
	if err != nil {
		return nil, err
	}
	if s.opts.clock != nil {
		e.now = s.opts.clock
	}
	return e, nil
}

// buildEncoder opens f's encoder; adaptive says whether its bitrate will
// follow the camera's estimate (the VBV's default, options.h264VBV).
func (s *Source) buildEncoder(r video.Reader, f camera.Format, adaptive bool) (codec.ReadCloser, error) {
	if f.Codec == camera.CodecVP8 && s.opts.vp8Tuned {
		return s.clocked(newVP8Encoder(r, f.Width, f.Height, f.FPS, f.Bitrate, f.KeyframeInterval, s.opts.vp8Threads, s.opts.vp8CPUUsed))
	}
	if f.Codec == camera.CodecH264 && s.opts.h264Own {
		return s.clocked(newH264Encoder(r, f.Width, f.Height, f.FPS, f.Bitrate, f.KeyframeInterval, s.opts.h264Threads, s.opts.h264Preset, s.opts.h264VBV(f.FPS, adaptive)))
	}
	p := prop.Media{Video: prop.Video{Width: f.Width, Height: f.Height, FrameRate: float32(f.FPS), FrameFormat: frame.FormatI420}}
	switch f.Codec {
	case camera.CodecVP8:
		params, err := vpx.NewVP8Params()
		if err != nil {
			return nil, err
		}
		params.BitRate = f.Bitrate
		params.KeyFrameInterval = f.KeyframeInterval
		params.RateControlEndUsage = vpx.RateControlCBR
		return params.BuildVideoEncoder(r, p)
	case camera.CodecH264:
		params, err := x264.NewParams()
		if err != nil {
			return nil, err
		}
		params.BitRate = f.Bitrate
		params.KeyFrameInterval = f.KeyframeInterval
		params.Preset = x264.PresetVeryfast
		return params.BuildVideoEncoder(r, p)
	}
	return nil, fmt.Errorf("%w: codec %q", camera.ErrUnsupportedFormat, f.Codec)
}

// forwardKeyFrames passes each request on keyFrames to kfc as it comes, until
// the returned stop is called. The encoder then makes a key frame of the very
// next frame, also of one whose capture the loop is waiting for: asked for
// at the top of the loop, the request waited out that frame as well (up to
// one frame interval more before a viewer's first picture or a PLI's answer).
func forwardKeyFrames(keyFrames <-chan struct{}, kfc codec.KeyFrameController) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-keyFrames:
				_ = kfc.ForceKeyFrame()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
