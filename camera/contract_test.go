package camera_test

import (
	"testing"

	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/internal/contract"
)

// TestMetricNamesMatchContract checks that every camera metric the harness
// reads (internal/contract) is exported under that name.
func TestMetricNamesMatchContract(t *testing.T) {
	m := camera.NewMetrics()
	m.SetFormat(camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecVP8}, "synthetic")
	m.SetPeerState(webrtc.PeerConnectionStateConnected)
	m.SetTargetBitrate(1_000_000) // exists once a stream adapts
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	have := map[string]bool{}
	for _, f := range families {
		have[f.GetName()] = true
	}
	for _, name := range contract.CameraMetrics() {
		assert.True(t, have[name], "metric %s is not exported", name)
	}
}
