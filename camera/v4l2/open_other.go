//go:build !cgo || !linux

package v4l2

import (
	"io"

	"github.com/pion/mediadevices/pkg/io/video"

	"echtzeit/camera"
)

// Open fails: the V4L2 driver of mediadevices needs cgo on Linux.
func (s *Source) Open(camera.Format, func(int)) (video.Reader, io.Closer, error) {
	return nil, nil, ErrNoCgo
}
