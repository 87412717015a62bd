package v4l2

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
)

func TestMatches(t *testing.T) {
	tests := []struct {
		label, device string
		want          bool
	}{
		{"video0;video0", "/dev/video0", true},
		{"video0;video0", "", true},
		{"usb-Logitech-video-index0;video2", "/dev/video2", true},
		{"usb-Logitech-video-index0;video2", "/dev/v4l/by-id/usb-Logitech-video-index0", true},
		{"video1;video1", "/dev/video0", false},
		{"video10;video10", "/dev/video1", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, matches(tt.label, tt.device), "%q vs %q", tt.label, tt.device)
	}
}

func TestSupportsFormat(t *testing.T) {
	s := New("/dev/video0")
	require.NoError(t, s.SupportsFormat(camera.Format{Width: 640, Height: 480, FPS: 30, Codec: "vp8"}))
	require.ErrorIs(t, s.SupportsFormat(camera.Format{Width: 641, Height: 480, FPS: 30}), camera.ErrUnsupportedFormat)
	require.ErrorIs(t, s.SupportsFormat(camera.Format{Width: 640, Height: 480, FPS: 240}), camera.ErrUnsupportedFormat)
}

func TestOpenWithoutDevice(t *testing.T) {
	_, _, err := New("/dev/video-none-such").Open(camera.Format{Width: 640, Height: 480, FPS: 30, Codec: "vp8"}, nil)
	require.Error(t, err)
}
