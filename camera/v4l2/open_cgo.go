//go:build cgo && linux

package v4l2

import (
	"fmt"
	"io"
	"math"
	"sort"
	"sync"

	"github.com/pion/mediadevices/pkg/driver"
	_ "github.com/pion/mediadevices/pkg/driver/camera" // registers the V4L2 cameras
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"

	"echtzeit/camera"
)

// Open finds the device, picks the camera mode nearest to f and starts capturing.
func (s *Source) Open(f camera.Format, _ func(int)) (video.Reader, io.Closer, error) {
	if err := s.SupportsFormat(f); err != nil {
		return nil, nil, err
	}
	var d driver.Driver
	for _, cand := range driver.GetManager().Query(driver.FilterVideoRecorder()) {
		if matches(cand.Info().Label, s.device) {
			d = cand
			break
		}
	}
	if d == nil {
		return nil, nil, fmt.Errorf("%w: device %q", ErrNoDevice, s.device)
	}
	if err := d.Open(); err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", d.Info().Label, err)
	}
	closer := &onceCloser{close: d.Close}
	p, err := pick(d.Properties(), f)
	if err != nil {
		_ = closer.Close()
		return nil, nil, fmt.Errorf("%s: %w", d.Info().Label, err)
	}
	rec, ok := d.(driver.VideoRecorder)
	if !ok {
		_ = closer.Close()
		return nil, nil, fmt.Errorf("%s: not a video recorder", d.Info().Label)
	}
	r, err := rec.VideoRecord(p)
	if err != nil {
		_ = closer.Close()
		return nil, nil, fmt.Errorf("record %s at %dx%d %s: %w", d.Info().Label, p.Width, p.Height, p.FrameFormat, err)
	}
	var transforms []video.TransformFunc
	if p.Width != f.Width || p.Height != f.Height {
		transforms = append(transforms, video.Scale(f.Width, f.Height, nil))
	}
	if p.FrameRate == 0 || p.FrameRate > float32(f.FPS) {
		transforms = append(transforms, video.Throttle(float32(f.FPS)))
	}
	return video.Merge(transforms...)(r), closer, nil
}

// pick chooses the mode nearest to f: the same size if there is one (preferring
// raw YUV over MJPEG), else the smallest mode at least as large, else the largest.
func pick(props []prop.Media, f camera.Format) (prop.Media, error) {
	usable := props[:0:0]
	for _, p := range props {
		if _, err := frame.NewDecoder(p.FrameFormat); err == nil && p.Width > 0 && p.Height > 0 {
			usable = append(usable, p)
		}
	}
	if len(usable) == 0 {
		return prop.Media{}, fmt.Errorf("%w: no mode in a pixel format mediadevices decodes", camera.ErrUnsupportedFormat)
	}
	cost := func(p prop.Media) float64 {
		c := math.Abs(float64(p.Width*p.Height - f.Width*f.Height))
		if p.Width < f.Width || p.Height < f.Height {
			c += 1e9 // upscaling is worst
		}
		if p.FrameFormat == frame.FormatMJPEG {
			c += 1 // decoding JPEG costs CPU; prefer raw at equal size
		}
		if p.FrameRate > 0 && p.FrameRate < float32(f.FPS) {
			c += 1e6
		}
		return c
	}
	sort.SliceStable(usable, func(i, j int) bool { return cost(usable[i]) < cost(usable[j]) })
	best := usable[0]
	if best.FrameRate == 0 || best.FrameRate > float32(f.FPS) {
		best.FrameRate = float32(f.FPS)
	}
	return best, nil
}

type onceCloser struct {
	once  sync.Once
	close func() error
	err   error
}

func (c *onceCloser) Close() error {
	c.once.Do(func() { c.err = c.close() })
	return c.err
}
