package camera_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/camera/softenc"
	"echtzeit/camera/synthetic"
	webui "echtzeit/interface"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
	"echtzeit/signaling/signalingtest"
	"echtzeit/signaling/turn"
)

// TestChromiumViewerRelayOnly: the camera fetches GET /iceservers from the
// signaling server, and with the relay-only policy (camera and page) the
// stream goes through the embedded TURN server.
func TestChromiumViewerRelayOnly(t *testing.T) {
	ts, err := turn.Start(turn.Config{Listen: "127.0.0.1:0", Secret: "camera-relay-test"})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, ts.Close()) })
	dir, err := turn.NewDirectory("camera-relay-test", time.Hour, ts.URLs()...)
	require.NoError(t, err)
	srv := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()), signalingtest.WithConfig(func(c *server.Config) {
		c.Handlers = map[string]http.Handler{turn.Path: dir}
	}))
	opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	rc := &runningCamera{metrics: camera.NewMetrics()}
	log := testLogger(t).With("part", "camera")
	f := camera.Format{Width: 320, Height: 240, FPS: 30, Codec: camera.CodecVP8}
	src, err := softenc.New(synthetic.Source{}, f.Codec, log, rc.metrics, softenc.WithVP8Tuning(-6, 1))
	require.NoError(t, err)
	api, err := camera.NewAPI(camera.APIOptions{ICELoopback: camera.LoopbackOn, IPFilter: loopbackOnly, Logger: log, ICEFailedTimeout: 5 * time.Second, RelayOnly: true})
	require.NoError(t, err)
	iceURL, err := camera.ICEServersURL(srv.WSURL)
	require.NoError(t, err)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: srv.TLSConfig}}
	room := protocol.NewRoomID()
	runCamera(t, rc, camera.Config{
		SignalingURL: srv.WSURL, ClientOptions: opts, Room: room, Source: src, SourceName: "synthetic",
		Format: f, API: api, ICE: camera.NewICEServers(iceURL, hc, true, log),
		Backoff: &camera.Backoff{Min: 100 * time.Millisecond, Max: time.Second},
		Logger:  log, Metrics: rc.metrics, OnState: rc.onState,
	})
	waitState(ctx, t, rc, camera.StateWaiting)

	page := openViewer(ctx, t, srv, room, "&relay=1")
	waitDecoding(ctx, t, page, 320, 240, 30)
	require.NoError(t, page.WaitFor(ctx, `window.echtzeit.snapshot().ice.candidatePair !== null`, 10*time.Second, dump))
	snap, err := page.Snapshot(ctx)
	require.NoError(t, err)
	assert.Equal(t, "relay", snap.ICE.CandidatePair.LocalType)
	assert.Equal(t, "relay", snap.ICE.CandidatePair.RemoteType, "the camera is relay-only: its candidate is a relay one")
	toPeer, _ := ts.Metrics().RelayedBytes()
	assert.Greater(t, toPeer, int64(20_000), "the video went through the relay")
	checkFrameCode(ctx, t, page)
}
