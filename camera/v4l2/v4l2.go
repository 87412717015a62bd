package v4l2

import (
	"errors"
	"fmt"
	"path/filepath"

	"echtzeit/camera"
)

// Errors of the V4L2 source.
var (
	// ErrNoCgo is returned in a binary built with CGO_ENABLED=0.
	ErrNoCgo = errors.New("camera built without cgo: the synthetic/v4l2 sources and software codecs need a cgo build")
	// ErrNoDevice means no V4L2 capture device matches.
	ErrNoDevice = errors.New("no V4L2 camera found")
)

// Source captures from one V4L2 device. Frames are scaled to the requested size
// when the camera does not offer it, and throttled to the requested rate.
type Source struct {
	device string
}

var _ camera.RawSource = (*Source)(nil)

// New returns the source for device (e.g. /dev/video0); "" takes the system's
// default camera.
func New(device string) *Source { return &Source{device: device} }

// SupportsFormat accepts any even size up to 3840×2160 at 1–60 fps: the frames are
// scaled and throttled to it.
func (s *Source) SupportsFormat(f camera.Format) error {
	if f.Width < 16 || f.Height < 12 || f.Width > 3840 || f.Height > 2160 || f.Width%2 != 0 || f.Height%2 != 0 {
		return fmt.Errorf("%w: v4l2 source: size %dx%d", camera.ErrUnsupportedFormat, f.Width, f.Height)
	}
	if f.FPS < 1 || f.FPS > 60 {
		return fmt.Errorf("%w: v4l2 source: %d fps", camera.ErrUnsupportedFormat, f.FPS)
	}
	return nil
}

// matches reports whether a mediadevices camera label ("video0;video0", or
// "usb-…-video-index0;video2") names device.
func matches(label, device string) bool {
	if device == "" {
		return true
	}
	base := filepath.Base(device)
	for i := 0; i < len(label); i++ {
		if label[i] == ';' {
			return label[:i] == base || label[i+1:] == base
		}
	}
	return label == base
}
