package synthetic

import (
	"fmt"
	"io"

	"github.com/pion/mediadevices/pkg/io/video"

	"echtzeit/camera"
)

// Source is the synthetic pattern as a camera.RawSource: every Open starts a new
// pattern at the requested size and rate, with frame numbers from 0.
type Source struct{}

var _ camera.RawSource = Source{}

// Open returns a Reader for f.
func (Source) Open(f camera.Format, dropped func(n int)) (video.Reader, io.Closer, error) {
	r, err := NewReader(Config{Width: f.Width, Height: f.Height, FPS: f.FPS, OnDropped: dropped})
	if err != nil {
		return nil, nil, err
	}
	return r, r, nil
}

// SupportsFormat accepts any even size from 16×12 to 3840×2160 at 1–120 fps.
func (Source) SupportsFormat(f camera.Format) error {
	if err := (Config{Width: f.Width, Height: f.Height, FPS: f.FPS}).Validate(); err != nil {
		return fmt.Errorf("%w: synthetic source: %w", camera.ErrUnsupportedFormat, err)
	}
	return nil
}
