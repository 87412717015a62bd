package camera_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/camera/passthrough"
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
			if f.GetName() == "echtzeit_camera_source_adapts" { // {source,mode}
				out[f.GetName()+"{"+labelValue(s, "source")+","+labelValue(s, "mode")+"}"] = v
				continue
			}
			out[f.GetName()] = v
			break
		}
	}
	return out
}

// labelValue is the value of s's label name ("" if it has none).
func labelValue(s *dto.Metric, name string) string {
	for _, l := range s.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
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
	assert.Equal(t, 1.0, g["echtzeit_camera_source_adapts{synthetic,live}"], "the source says it adapts")
	assert.Positive(t, g["echtzeit_camera_encoder_configured_bitrate_bps"])
	assert.LessOrEqual(t, g["echtzeit_camera_encoder_configured_bitrate_bps"], float64(camera.DefaultBitrate(f)))
}

// fixedSource hides everything but camera.EncodedSource: a source that cannot
// adapt, like a clip.
type fixedSource struct{ src camera.EncodedSource }

func (s fixedSource) Codec() string { return s.src.Codec() }

func (s fixedSource) Stream(ctx context.Context, f camera.Format, write func(media.Sample) error) error {
	return s.src.Stream(ctx, f, write)
}

// TestSourceThatCannotAdapt: the estimate is there, but the camera says that
// the source cannot follow it (per source, and for the session) and gives no
// target: a real clip (the file source), and a software encoder hidden
// behind camera.EncodedSource, whose encoder keeps the format's bitrate.
func TestSourceThatCannotAdapt(t *testing.T) {
	clip := filepath.Join("..", "testdata", "media", "testsrc-160x120-15fps.ivf")
	for _, tt := range []struct {
		name string
		f    camera.Format
		src  func(t *testing.T, m *camera.Metrics) camera.EncodedSource
		// configured is the encoder's configured bitrate, 0 for none (a clip
		// has no encoder).
		configured float64
	}{
		{
			name: "file", f: camera.Format{Width: 160, Height: 120, FPS: 15, Codec: camera.CodecVP8},
			src: func(t *testing.T, _ *camera.Metrics) camera.EncodedSource {
				src, err := passthrough.NewFile(clip, testLogger(t))
				require.NoError(t, err)
				return src
			},
		},
		{
			name: "fixed", f: camera.Format{Width: 320, Height: 180, FPS: 30, Codec: camera.CodecVP8},
			src: func(t *testing.T, m *camera.Metrics) camera.EncodedSource {
				enc, err := softenc.New(synthetic.Source{}, camera.CodecVP8, testLogger(t), m, softenc.WithVP8Tuning(-6, 1))
				require.NoError(t, err)
				return fixedSource{enc}
			},
			configured: float64(camera.DefaultBitrate(camera.Format{Width: 320, Height: 180, FPS: 30})),
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := cannotAdapt(t, tt.f, tt.name, tt.src)
			assert.Equal(t, 1.0, g["echtzeit_camera_adaptation_info{none}"])
			assert.Equal(t, 0.0, g["echtzeit_camera_source_adapts{"+tt.name+",none}"], "the source says it cannot adapt")
			assert.NotContains(t, g, contract.MetricCameraTargetBitrate)
			assert.Equal(t, float64(tt.f.Width), g["echtzeit_camera_stream_width"])
			if tt.configured > 0 {
				assert.Equal(t, tt.configured, g["echtzeit_camera_encoder_configured_bitrate_bps"])
			} else {
				assert.NotContains(t, g, "echtzeit_camera_encoder_configured_bitrate_bps")
			}
		})
	}
}

// cannotAdapt streams the source to a pion viewer over loopback until the
// camera has an estimate and returns its metrics.
func cannotAdapt(t *testing.T, f camera.Format, name string, newSource func(*testing.T, *camera.Metrics) camera.EncodedSource) map[string]float64 {
	srv := signalingtest.Start(t)
	opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
	ctx := testContext(t, 30*time.Second)
	room := protocol.NewRoomID()
	metrics := camera.NewMetrics()
	log := testLogger(t).With("part", "camera")
	api, err := camera.NewAPI(camera.APIOptions{ICELoopback: camera.LoopbackOn, IPFilter: loopbackOnly, Logger: log, Metrics: metrics})
	require.NoError(t, err)
	rc := &runningCamera{metrics: metrics}
	cam, err := camera.New(camera.Config{
		SignalingURL: srv.WSURL, ClientOptions: opts, Room: room,
		Source: newSource(t, metrics), SourceName: name, Format: f, API: api, Logger: log, Metrics: metrics,
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
	t.Logf("metrics: %v", g)
	return g
}
