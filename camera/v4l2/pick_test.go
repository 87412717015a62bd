//go:build cgo && linux

package v4l2

import (
	"testing"

	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/prop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
)

func TestPick(t *testing.T) {
	mode := func(w, h int, ff frame.Format, fps float32) prop.Media {
		return prop.Media{Video: prop.Video{Width: w, Height: h, FrameFormat: ff, FrameRate: fps}}
	}
	modes := []prop.Media{
		mode(1920, 1080, frame.FormatMJPEG, 30),
		mode(1280, 720, frame.FormatMJPEG, 30),
		mode(1280, 720, frame.FormatYUYV, 10),
		mode(640, 480, frame.FormatYUYV, 30),
		mode(640, 480, frame.FormatMJPEG, 30),
		mode(320, 240, frame.FormatYUYV, 30),
	}
	tests := []struct {
		name string
		f    camera.Format
		want prop.Media
	}{
		{"exact raw beats MJPEG", camera.Format{Width: 640, Height: 480, FPS: 30}, mode(640, 480, frame.FormatYUYV, 30)},
		{"rate beats pixel format", camera.Format{Width: 1280, Height: 720, FPS: 30}, mode(1280, 720, frame.FormatMJPEG, 30)},
		{"downscale from the next larger", camera.Format{Width: 800, Height: 600, FPS: 30}, mode(1280, 720, frame.FormatMJPEG, 30)},
		{"largest when nothing is large enough", camera.Format{Width: 3840, Height: 2160, FPS: 30}, mode(1920, 1080, frame.FormatMJPEG, 30)},
		{"lower rate keeps the mode rate", camera.Format{Width: 320, Height: 240, FPS: 15}, mode(320, 240, frame.FormatYUYV, 15)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pick(modes, tt.f)
			require.NoError(t, err)
			assert.Equal(t, tt.want.Video, got.Video)
		})
	}
	_, err := pick(nil, camera.Format{Width: 640, Height: 480, FPS: 30})
	require.ErrorIs(t, err, camera.ErrUnsupportedFormat)
}
