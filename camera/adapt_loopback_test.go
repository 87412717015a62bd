package camera_test

import (
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/internal/contract"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// gauges reads the camera's gauges and counters (the first series of each
// family) by name.
func gauges(t *testing.T, m *camera.Metrics) map[string]float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, f := range families {
		for _, s := range f.GetMetric() {
			v := s.GetGauge().GetValue() + s.GetCounter().GetValue()
			if f.GetType() == dto.MetricType_GAUGE && len(s.GetLabel()) == 1 && s.GetLabel()[0].GetName() == "mode" {
				if v == 1 {
					out[f.GetName()+"{"+s.GetLabel()[0].GetValue()+"}"] = 1
				}
				continue
			}
			out[f.GetName()] = v
			break
		}
	}
	return out
}

// TestEstimateOverLoopback: a pion viewer sends transport-wide congestion
// control feedback, so the camera has a bandwidth estimate, a target for its
// encoder and the size and rate in use in its metrics.
func TestEstimateOverLoopback(t *testing.T) {
	srv := signalingtest.Start(t)
	opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
	ctx := testContext(t, 30*time.Second)
	room := protocol.NewRoomID()
	f := camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecVP8}
	cam := startCamera(t, srv.WSURL, opts, room, f)
	waitState(ctx, t, cam, camera.StateWaiting)
	v := joinViewer(ctx, t, srv.WSURL, opts, room, nil)
	require.NoError(t, v.waitFrames(ctx, 30))
	var g map[string]float64
	require.Eventually(t, func() bool {
		g = gauges(t, cam.metrics)
		return g["echtzeit_camera_estimated_bandwidth_bps"] > 0 && g["echtzeit_camera_encoder_bitrate_bps"] > 0
	}, 10*time.Second, 100*time.Millisecond, "no estimate in the metrics")
	t.Logf("metrics: %v", g)
	assert.Equal(t, 1.0, g["echtzeit_camera_adaptation_info{live}"])
	assert.Positive(t, g[contract.MetricCameraTargetBitrate])
	assert.LessOrEqual(t, g[contract.MetricCameraTargetBitrate], float64(camera.DefaultBitrate(f)), "never above the format's bitrate")
	assert.Positive(t, g["echtzeit_camera_stream_width"])
	assert.Positive(t, g["echtzeit_camera_stream_fps"])
}
