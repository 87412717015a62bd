package camera_test

import (
	"context"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
	"echtzeit/signaling/signalingtest"
)

func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

var smallVP8 = camera.Format{Width: 320, Height: 180, FPS: 30, Codec: camera.CodecVP8}

// TestStreamsToPionViewer covers both roles (§4.4.2: the first in the room offers),
// both codecs, and a viewer's format request.
func TestStreamsToPionViewer(t *testing.T) {
	tests := []struct {
		name        string
		cameraFirst bool
		format      camera.Format
		request     *protocol.FormatRequest
		wantMime    string
	}{
		{"camera offers vp8", true, smallVP8, nil, webrtc.MimeTypeVP8},
		{"viewer offers vp8", false, smallVP8, nil, webrtc.MimeTypeVP8},
		{"camera offers h264", true, camera.Format{Width: 320, Height: 180, FPS: 30, Codec: camera.CodecH264}, nil, webrtc.MimeTypeH264},
		{"viewer offers h264", false, camera.Format{Width: 320, Height: 180, FPS: 30, Codec: camera.CodecH264}, nil, webrtc.MimeTypeH264},
		{"viewer first requests h264", false, smallVP8, &protocol.FormatRequest{Width: 160, Height: 90, FPS: 15, Codec: "h264"}, webrtc.MimeTypeH264},
		{"camera first, request switches to h264", true, smallVP8, &protocol.FormatRequest{Width: 160, Height: 90, Codec: "h264"}, webrtc.MimeTypeH264},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := signalingtest.Start(t)
			opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
			ctx := testContext(t, 30*time.Second)
			room := protocol.NewRoomID()
			var cam *runningCamera
			var v *pionViewer
			if tt.cameraFirst {
				cam = startCamera(t, srv.WSURL, opts, room, tt.format)
				waitState(ctx, t, cam, camera.StateWaiting)
				v = joinViewer(ctx, t, srv.WSURL, opts, room, tt.request)
			} else {
				v = joinViewer(ctx, t, srv.WSURL, opts, room, tt.request)
				cam = startCamera(t, srv.WSURL, opts, room, tt.format)
			}
			require.NoError(t, v.waitFrames(ctx, 30))
			assert.Equal(t, tt.wantMime, v.codec.Load())
			assert.Equal(t, 1, cam.count(camera.StateConnecting), "the camera joined once")
		})
	}
}

func waitState(ctx context.Context, t *testing.T, cam *runningCamera, s camera.State) {
	t.Helper()
	for cam.count(s) == 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("camera never reached state %s", s)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestUnsupportedRequest(t *testing.T) {
	srv := signalingtest.Start(t)
	opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
	ctx := testContext(t, 30*time.Second)
	room := protocol.NewRoomID()
	cam := startCamera(t, srv.WSURL, opts, room, smallVP8)
	waitState(ctx, t, cam, camera.StateWaiting)
	v := joinViewer(ctx, t, srv.WSURL, opts, room, &protocol.FormatRequest{Width: 321, Height: 180})
	select {
	case e := <-v.errs:
		assert.Equal(t, camera.CodeUnsupportedFormat, e.Code)
		assert.Contains(t, e.Message, "even")
	case <-ctx.Done():
		t.Fatal("no unsupported-format error signal")
	}
	// The session goes on with the camera's format.
	require.NoError(t, v.waitFrames(ctx, 20))
	assert.Equal(t, webrtc.MimeTypeVP8, v.codec.Load())
}

// TestNextViewer: the viewer leaves, a second joins and gets a stream from the same
// camera process, which stays in its room (SPEC §3).
func TestNextViewer(t *testing.T) {
	srv := signalingtest.Start(t)
	opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
	ctx := testContext(t, 45*time.Second)
	room := protocol.NewRoomID()
	cam := startCamera(t, srv.WSURL, opts, room, smallVP8)
	waitState(ctx, t, cam, camera.StateWaiting)

	first := joinViewer(ctx, t, srv.WSURL, opts, room, nil)
	require.NoError(t, first.waitFrames(ctx, 20))
	first.close()
	for cam.count(camera.StateWaiting) < 2 {
		select {
		case <-ctx.Done():
			t.Fatal("the camera did not go back to waiting after the viewer left")
		case <-time.After(20 * time.Millisecond):
		}
	}
	second := joinViewer(ctx, t, srv.WSURL, opts, room, nil)
	require.NoError(t, second.waitFrames(ctx, 20))
	assert.Equal(t, 1, cam.count(camera.StateConnecting), "the camera did not rejoin")
	assert.Equal(t, 2, cam.count(camera.StateStreaming))
}

// TestMetrics checks the DESIGN.md metric names and that a stream moves them.
func TestMetrics(t *testing.T) {
	srv := signalingtest.Start(t)
	opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
	ctx := testContext(t, 30*time.Second)
	room := protocol.NewRoomID()
	cam := startCamera(t, srv.WSURL, opts, room, smallVP8)
	waitState(ctx, t, cam, camera.StateWaiting)
	v := joinViewer(ctx, t, srv.WSURL, opts, room, nil)
	require.NoError(t, v.waitFrames(ctx, 20))

	families, err := cam.metrics.Registry().Gather()
	require.NoError(t, err)
	got := map[string]*dto.MetricFamily{}
	for _, f := range families {
		got[f.GetName()] = f
	}
	for _, name := range []string{
		"echtzeit_camera_frames_captured_total", "echtzeit_camera_frames_encoded_total",
		"echtzeit_camera_frames_sent_total", "echtzeit_camera_bytes_sent_total",
	} {
		require.Contains(t, got, name)
		assert.Positive(t, got[name].GetMetric()[0].GetCounter().GetValue(), name)
	}
	require.Contains(t, got, "echtzeit_camera_frames_dropped_total")
	require.Contains(t, got, "echtzeit_camera_encode_seconds")
	assert.Positive(t, got["echtzeit_camera_encode_seconds"].GetMetric()[0].GetHistogram().GetSampleCount())
	require.Contains(t, got, "process_cpu_seconds_total")
	require.Contains(t, got, "process_resident_memory_bytes")

	labels := func(m *dto.Metric) map[string]string {
		out := map[string]string{}
		for _, l := range m.GetLabel() {
			out[l.GetName()] = l.GetValue()
		}
		return out
	}
	require.Contains(t, got, "echtzeit_camera_format_info")
	formats := got["echtzeit_camera_format_info"].GetMetric()
	require.Len(t, formats, 1)
	assert.Equal(t, map[string]string{"width": "320", "height": "180", "fps": "30", "codec": "vp8", "source": "synthetic"}, labels(formats[0]))
	require.Contains(t, got, "echtzeit_camera_peer_state")
	for _, m := range got["echtzeit_camera_peer_state"].GetMetric() {
		want := 0.0
		if labels(m)["state"] == "connected" {
			want = 1
		}
		assert.Equal(t, want, m.GetGauge().GetValue(), labels(m)["state"])
	}
}

// TestTwoViewersAtOnce: with a room capacity above 2 (fan-out experiments) each
// viewer gets its own session and stream.
func TestTwoViewersAtOnce(t *testing.T) {
	srv := signalingtest.Start(t, signalingtest.WithConfig(func(c *server.Config) { c.RoomCapacity = 3 }))
	opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
	ctx := testContext(t, 30*time.Second)
	room := protocol.NewRoomID()
	cam := startCamera(t, srv.WSURL, opts, room, smallVP8)
	waitState(ctx, t, cam, camera.StateWaiting)
	a := joinViewer(ctx, t, srv.WSURL, opts, room, nil)
	b := joinViewer(ctx, t, srv.WSURL, opts, room, &protocol.FormatRequest{Codec: "h264"})
	require.NoError(t, a.waitFrames(ctx, 20))
	require.NoError(t, b.waitFrames(ctx, 20))
	assert.Equal(t, webrtc.MimeTypeVP8, a.codec.Load())
	assert.Equal(t, webrtc.MimeTypeH264, b.codec.Load(), "a request changes only its own session")
	a.close()
	require.NoError(t, b.waitFrames(ctx, b.frames.Load()+10), "the other viewer keeps streaming")
	assert.Equal(t, 1, cam.count(camera.StateStreaming), "still streaming after one of two left")
}

// TestPeerFailureEndsStream: the viewer's PeerConnection goes away without a
// Room/Leave (a crashed tab, a network cut); the camera notices through ICE/DTLS,
// closes that session, stays in its room and streams to the next viewer.
func TestPeerFailureEndsStream(t *testing.T) {
	srv := signalingtest.Start(t, signalingtest.WithConfig(func(c *server.Config) { c.RoomCapacity = 3 }))
	opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
	ctx := testContext(t, 45*time.Second)
	room := protocol.NewRoomID()
	cam := startCamera(t, srv.WSURL, opts, room, smallVP8)
	waitState(ctx, t, cam, camera.StateWaiting)
	a := joinViewer(ctx, t, srv.WSURL, opts, room, nil)
	require.NoError(t, a.waitFrames(ctx, 20))
	require.NoError(t, a.pc.Close()) // the signaling connection stays: no Room/Leave
	for cam.count(camera.StateWaiting) < 2 {
		select {
		case <-ctx.Done():
			t.Fatal("the camera did not end the failed session")
		case <-time.After(20 * time.Millisecond):
		}
	}
	b := joinViewer(ctx, t, srv.WSURL, opts, room, nil)
	require.NoError(t, b.waitFrames(ctx, 20))
	assert.Equal(t, 1, cam.count(camera.StateConnecting), "the camera did not rejoin")
}
