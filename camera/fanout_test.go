package camera_test

import (
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
	"echtzeit/signaling/signalingtest"
)

// cameraCounters reads the camera's fan-out figures from its metrics.
type cameraCounters struct {
	encoded, captured, sent, forced, requests float64
	encoders, viewers                         float64
	perViewer                                 map[string]float64
}

func readCounters(t *testing.T, m *camera.Metrics) cameraCounters {
	t.Helper()
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	c := cameraCounters{perViewer: map[string]float64{}}
	val := func(x *dto.Metric) float64 {
		if x.GetCounter() != nil {
			return x.GetCounter().GetValue()
		}
		return x.GetGauge().GetValue()
	}
	for _, f := range families {
		ms := f.GetMetric()
		if len(ms) == 0 {
			continue
		}
		switch f.GetName() {
		case "echtzeit_camera_frames_encoded_total":
			c.encoded = val(ms[0])
		case "echtzeit_camera_frames_captured_total":
			c.captured = val(ms[0])
		case "echtzeit_camera_frames_sent_total":
			c.sent = val(ms[0])
		case "echtzeit_camera_keyframes_forced_total":
			c.forced = val(ms[0])
		case "echtzeit_camera_keyframe_requests_total":
			c.requests = val(ms[0])
		case "echtzeit_camera_encoders":
			c.encoders = val(ms[0])
		case "echtzeit_camera_viewers":
			c.viewers = val(ms[0])
		case "echtzeit_camera_viewer_frames_sent_total":
			for _, x := range ms {
				c.perViewer[x.GetLabel()[0].GetValue()] = val(x)
			}
		}
	}
	return c
}

// TestFourViewersOneEncoder: a camera with four viewers of one format
// encodes each frame once and sends it to each of them (its metrics say so);
// a viewer of another format gets a second encoder, which stops when it leaves.
func TestFourViewersOneEncoder(t *testing.T) {
	srv := signalingtest.Start(t, signalingtest.WithConfig(func(c *server.Config) { c.RoomCapacity = 6 }))
	opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
	ctx := testContext(t, 60*time.Second)
	room := protocol.NewRoomID()
	cam := startCamera(t, srv.WSURL, opts, room, smallVP8)
	waitState(ctx, t, cam, camera.StateWaiting)

	var viewers []*pionViewer
	for range 4 {
		v := joinViewer(ctx, t, srv.WSURL, opts, room, nil)
		require.NoError(t, v.waitFrames(ctx, 10))
		viewers = append(viewers, v)
	}
	before := readCounters(t, cam.metrics)
	assert.Equal(t, 1.0, before.encoders, "one encoder for one format")
	assert.Equal(t, 4.0, before.viewers)
	require.Len(t, before.perViewer, 4)
	// Warm start: the feed runs before its first viewer connects, so every
	// viewer (the first too) is a newcomer that gets one forced key frame.
	assert.LessOrEqual(t, before.forced, 4.0, "a key frame for each viewer, no more")

	time.Sleep(2 * time.Second)
	after := readCounters(t, cam.metrics)
	encoded := after.encoded - before.encoded
	require.Greater(t, encoded, 20.0, "frames were encoded")
	assert.InDelta(t, after.captured-before.captured, encoded, 2, "each captured frame encoded once")
	// Each frame went to every viewer: the per-viewer counts equal the
	// encoder's (give or take the frame in flight at each reading).
	for id, n := range after.perViewer {
		assert.InDelta(t, encoded, n-before.perViewer[id], 2, "viewer %s", id)
	}
	assert.InDelta(t, 4*encoded, after.sent-before.sent, 8, "frames sent = viewers × frames encoded")
	for _, v := range viewers {
		require.NoError(t, v.waitFrames(ctx, v.frames.Load()+5), "every viewer keeps receiving")
	}
	t.Logf("2 s: %.0f frames encoded, %.0f sent; key frames forced %.0f of %.0f requests", encoded, after.sent-before.sent, after.forced, after.requests)

	h264 := joinViewer(ctx, t, srv.WSURL, opts, room, &protocol.FormatRequest{Codec: "h264"})
	require.NoError(t, h264.waitFrames(ctx, 10))
	assert.Equal(t, 2.0, readCounters(t, cam.metrics).encoders, "another format, another encoder")
	h264.close()
	require.Eventually(t, func() bool { return readCounters(t, cam.metrics).encoders == 1 }, 10*time.Second, 20*time.Millisecond,
		"the h264 encoder stops with its last viewer")
	for _, v := range viewers {
		v.close()
	}
	require.Eventually(t, func() bool { c := readCounters(t, cam.metrics); return c.encoders == 0 && c.viewers == 0 }, 10*time.Second, 20*time.Millisecond,
		"no viewer, no encoder")
}
