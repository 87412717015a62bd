package passthrough

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"echtzeit/camera"

	"github.com/pion/webrtc/v4/pkg/media"
)

// clipKind is the container of a clip, chosen by its file name extension.
type clipKind int

const (
	clipUnknown clipKind = iota
	clipH264             // .h264, .264: H.264 Annex-B byte stream
	clipIVF              // .ivf: IVF with VP8 frames
)

// lateReset is how far pacing may fall behind before it stops catching up
// (a slow writer): the schedule restarts instead of bursting frames out.
const lateReset = time.Second

// File loops an H.264 Annex-B (.h264, .264) or IVF/VP8 (.ivf) clip, paced at
// the clip's frame rate: the IVF header's rate; for H.264 the SPS VUI timing
// if present, else the requested Format's FPS, else 30.
type File struct {
	path   string
	kind   clipKind
	logger *slog.Logger
}

var (
	_ camera.EncodedSource   = (*File)(nil)
	_ camera.FormatSupporter = (*File)(nil)
	_ camera.Adapter         = (*File)(nil)
)

// NewFile checks that path is a clip the source can play (by extension and
// header) and returns the source. A nil logger discards the logs.
func NewFile(path string, logger *slog.Logger) (*File, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var kind clipKind
	switch strings.ToLower(filepath.Ext(path)) {
	case ".h264", ".264":
		kind = clipH264
	case ".ivf":
		kind = clipIVF
	default:
		return nil, fmt.Errorf("%w: %s: want .h264, .264 or .ivf", ErrUnsupportedFile, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open clip: %w", err)
	}
	defer f.Close()
	switch kind {
	case clipIVF:
		r, err := NewIVFReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if h := r.Header(); h.FourCC != "VP80" {
			return nil, fmt.Errorf("%w: %s: IVF codec %q, want VP80", ErrUnsupportedFile, path, h.FourCC)
		}
	case clipH264:
		if _, err := NewNALReader(bufio.NewReader(f)).Next(); err != nil {
			if errors.Is(err, io.EOF) {
				err = ErrEmptyClip
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return &File{path: path, kind: kind, logger: logger.With("clip", path)}, nil
}

// Adaptation is camera.AdaptationNone: a clip is sent at its own bitrate,
// whatever the bandwidth estimate says.
func (s *File) Adaptation() camera.Adaptation { return camera.AdaptationNone }

// Codec returns "h264" or "vp8".
func (s *File) Codec() string {
	if s.kind == clipIVF {
		return camera.CodecVP8
	}
	return camera.CodecH264
}

// SupportsFormat accepts the clip's codec at any size and rate: the clip is
// played as it is (camera.FormatSupporter); a viewer sees the clip's size.
func (s *File) SupportsFormat(f camera.Format) error {
	if f.Codec != "" && f.Codec != s.Codec() {
		return fmt.Errorf("%w: the clip %s is %s, not %s", camera.ErrUnsupportedFormat, filepath.Base(s.path), s.Codec(), f.Codec)
	}
	return nil
}

// frame is one timed unit of a clip.
type frame struct {
	data     []byte
	picture  bool // false for parameter sets on their own: no pacing, no duration
	keyframe bool
}

// clipReader reads one pass over a clip.
type clipReader interface {
	next() (frame, error)
	fps() float64 // 0 when the clip does not say
}

// Stream plays the clip in a loop until ctx ends (then it returns ctx.Err())
// or write fails. The Format's size and bitrate are ignored (the clip has its
// own); its FPS paces an H.264 clip without VUI timing.
func (s *File) Stream(ctx context.Context, f camera.Format, write func(media.Sample) error) error {
	var (
		start    time.Time // schedule origin
		n        int       // pictures since start
		interval time.Duration
		passes   int
	)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		frames := 0
		err := s.pass(func(cr clipReader, fr frame) error {
			if interval == 0 {
				fps := cr.fps()
				src := "clip"
				if fps <= 0 || fps > 1000 {
					fps, src = float64(f.FPS), "format"
				}
				if fps <= 0 {
					fps, src = 30, "default"
				}
				interval = time.Duration(float64(time.Second) / fps)
				s.logger.Info("playing clip", "codec", s.Codec(), "fps", fps, "fps_from", src)
			}
			sample := media.Sample{Data: fr.data}
			if fr.picture {
				frames++
				now := time.Now()
				if start.IsZero() || now.Sub(start.Add(time.Duration(n)*interval)) > lateReset {
					start, n = now, 0
				}
				due := start.Add(time.Duration(n) * interval)
				if wait := time.Until(due); wait > 0 {
					timer.Reset(wait)
					select {
					case <-ctx.Done():
						return ctx.Err()
					case <-timer.C:
					}
				}
				n++
				sample.Duration = interval
				sample.Timestamp = due
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := write(sample); err != nil {
				return fmt.Errorf("write sample: %w", err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if frames == 0 {
			return fmt.Errorf("%s: %w", s.path, ErrEmptyClip)
		}
		passes++
		if passes == 1 {
			s.logger.Debug("clip looped", "frames", frames)
		}
	}
}

// pass reads the clip once and hands each frame to fn.
func (s *File) pass(fn func(clipReader, frame) error) error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("open clip: %w", err)
	}
	defer f.Close()
	var cr clipReader
	switch s.kind {
	case clipIVF:
		r, err := NewIVFReader(bufio.NewReader(f))
		if err != nil {
			return fmt.Errorf("%s: %w", s.path, err)
		}
		cr = &ivfClip{r: r}
	default:
		cr = &h264Clip{r: NewNALReader(bufio.NewReader(f))}
	}
	for {
		fr, err := cr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.path, err)
		}
		if err := fn(cr, fr); err != nil {
			return err
		}
	}
}

type ivfClip struct{ r *IVFReader }

func (c *ivfClip) fps() float64 { return c.r.Header().FPS() }

func (c *ivfClip) next() (frame, error) {
	f, err := c.r.Next()
	if err != nil {
		return frame{}, err
	}
	return frame{data: f.Data, picture: true, keyframe: VP8Keyframe(f.Data)}, nil
}

type h264Clip struct {
	r    *NALReader
	asm  AccessUnitAssembler
	rate float64
	eof  bool
}

func (c *h264Clip) fps() float64 { return c.rate }

func (c *h264Clip) next() (frame, error) {
	for !c.eof {
		nal, err := c.r.Next()
		if errors.Is(err, io.EOF) {
			c.eof = true
			break
		}
		if err != nil {
			return frame{}, err
		}
		au, ok, err := c.asm.Push(nal)
		if ok {
			return c.frame(au), nil
		}
		if err != nil {
			return frame{}, err
		}
	}
	if au, ok := c.asm.Flush(); ok {
		return c.frame(au), nil
	}
	return frame{}, io.EOF
}

func (c *h264Clip) frame(au AccessUnit) frame {
	if c.rate == 0 && au.SPS != nil {
		if sps, err := ParseSPS(au.SPS); err == nil {
			c.rate = sps.FPS()
		}
	}
	return frame{data: au.AnnexB(), picture: au.HasVCL, keyframe: au.Keyframe}
}
