package camera_test

import (
	"context"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/camera/softenc"
	"echtzeit/camera/synthetic"
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

// fixedSource hides everything but camera.EncodedSource: a source that cannot
// adapt, like a clip.
type fixedSource struct{ src camera.EncodedSource }

func (s fixedSource) Codec() string { return s.src.Codec() }

func (s fixedSource) Stream(ctx context.Context, f camera.Format, write func(media.Sample) error) error {
	return s.src.Stream(ctx, f, write)
}

// TestSourceThatCannotAdapt: the estimate is there, but the camera says that
// the source cannot follow it and gives no target.
func TestSourceThatCannotAdapt(t *testing.T) {
	srv := signalingtest.Start(t)
	opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
	ctx := testContext(t, 30*time.Second)
	room := protocol.NewRoomID()
	f := camera.Format{Width: 320, Height: 180, FPS: 30, Codec: camera.CodecVP8}
	metrics := camera.NewMetrics()
	log := testLogger(t).With("part", "camera")
	enc, err := softenc.New(synthetic.Source{}, f.Codec, log, metrics, softenc.WithVP8Tuning(-6, 1))
	require.NoError(t, err)
	api, err := camera.NewAPI(camera.APIOptions{ICELoopback: camera.LoopbackOn, IPFilter: loopbackOnly, Logger: log, Metrics: metrics})
	require.NoError(t, err)
	rc := &runningCamera{metrics: metrics}
	cam, err := camera.New(camera.Config{
		SignalingURL: srv.WSURL, ClientOptions: opts, Room: room,
		Source: fixedSource{enc}, SourceName: "fixed", Format: f, API: api, Logger: log, Metrics: metrics,
		OnState: rc.onState,
	})
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cam.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		assert.NoError(t, <-done)
	})
	waitState(ctx, t, rc, camera.StateWaiting)
	v := joinViewer(ctx, t, srv.WSURL, opts, room, nil)
	require.NoError(t, v.waitFrames(ctx, 20))
	var g map[string]float64
	require.Eventually(t, func() bool {
		g = gauges(t, metrics)
		return g["echtzeit_camera_estimated_bandwidth_bps"] > 0
	}, 10*time.Second, 100*time.Millisecond, "no estimate in the metrics")
	assert.Equal(t, 1.0, g["echtzeit_camera_adaptation_info{none}"])
	assert.NotContains(t, g, contract.MetricCameraTargetBitrate)
	assert.Equal(t, 320.0, g["echtzeit_camera_stream_width"])
}
