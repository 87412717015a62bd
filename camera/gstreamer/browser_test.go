//go:build cgo && !nogst

package gstreamer_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/camera/gstreamer"
	"echtzeit/harness/browser"
	"echtzeit/harness/browser/browsertest"
	webui "echtzeit/interface"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// chromium is the one browser of this test binary; the tests open tabs in it.
var chromium = browsertest.NewShared(browser.WithWebRTCTesting())

func TestMain(m *testing.M) { os.Exit(chromium.Run(m)) }

const dump = "JSON.stringify(window.echtzeit && window.echtzeit.snapshot())"

// runningSender is a Sender running in the background of a test.
type runningSender struct {
	metrics *camera.Metrics
	mu      sync.Mutex
	states  []camera.State
}

func (r *runningSender) onState(s camera.State) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, s)
}

func (r *runningSender) count(s camera.State) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, st := range r.states {
		if st == s {
			n++
		}
	}
	return n
}

func (r *runningSender) waitCount(ctx context.Context, t *testing.T, s camera.State, n int) {
	t.Helper()
	for r.count(s) < n {
		select {
		case <-ctx.Done():
			t.Fatalf("the sender did not enter %s %d times", s, n)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func startSender(t *testing.T, srv *signalingtest.Server, room protocol.RoomID, pipe gstreamer.PipelineConfig) *runningSender {
	t.Helper()
	rs := &runningSender{metrics: camera.NewMetrics()}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})).With("part", "gstsender")
	s, err := gstreamer.New(gstreamer.Config{
		SignalingURL: srv.WSURL, ClientOptions: []client.Option{client.WithTLSConfig(srv.TLSConfig)},
		Room: room, Pipeline: pipe, LocalAddresses: []string{"127.0.0.1"},
		Backoff: &camera.Backoff{Min: 100 * time.Millisecond, Max: time.Second},
		Logger:  log, Metrics: rs.metrics, OnState: rs.onState,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "sender Run")
		case <-time.After(10 * time.Second):
			t.Errorf("sender Run did not return 10 s after cancellation")
		}
	})
	return rs
}

func openViewer(ctx context.Context, t *testing.T, srv *signalingtest.Server, room protocol.RoomID, extra string) *browser.Page {
	t.Helper()
	page := chromium.Page(t)
	require.NoError(t, page.Navigate(ctx, srv.URL+"/?room="+string(room)+extra))
	return page
}

func waitDecoding(ctx context.Context, t *testing.T, page *browser.Page, w, h, n int) browser.Snapshot {
	t.Helper()
	cond := fmt.Sprintf(`(() => { const s = window.echtzeit.snapshot();
		return s.state === "streaming" && s.inbound !== null && s.inbound.framesDecoded > %d &&
			s.inbound.frameWidth === %d && s.inbound.frameHeight === %d; })()`, n, w, h)
	require.NoError(t, page.WaitFor(ctx, cond, 30*time.Second, dump))
	snap, err := page.Snapshot(ctx)
	require.NoError(t, err)
	return snap
}

// checkFrameCode: the frame numbers advance and the latencies are plausible.
func checkFrameCode(ctx context.Context, t *testing.T, page *browser.Page) {
	t.Helper()
	require.NoError(t, page.WaitFor(ctx, `window.echtzeit.snapshot().frameCode.decoded > 10`, 10*time.Second, dump))
	a, err := page.Snapshot(ctx)
	require.NoError(t, err)
	time.Sleep(time.Second)
	b, err := page.Snapshot(ctx)
	require.NoError(t, err)
	require.NotNil(t, a.FrameCode.LastFrame)
	require.NotNil(t, b.FrameCode.LastFrame)
	assert.Positive(t, (*b.FrameCode.LastFrame-*a.FrameCode.LastFrame+1<<16)%(1<<16), "frame numbers advance")
	assert.Less(t, b.FrameCode.Unreadable, b.FrameCode.Decoded/10+2, "nearly every frame code is readable")
	lat := slices.Clone(b.FrameCode.LatencyMs)
	require.NotEmpty(t, lat)
	slices.Sort(lat)
	median := lat[len(lat)/2]
	assert.Greater(t, median, 0.0)
	assert.Less(t, median, 2000.0)
	t.Logf("frame code: %d decoded, %d unreadable; latency median %.0f ms; %.1f fps", b.FrameCode.Decoded, b.FrameCode.Unreadable, median, b.Derived.FPS)
}

// TestChromiumViewer streams from the GStreamer sender to the real page in
// Chromium through the real server: VP8 and H.264, both roles.
func TestChromiumViewer(t *testing.T) {
	tests := []struct {
		name        string
		senderFirst bool
		pipe        gstreamer.PipelineConfig
		extra       string // URL parameters of the page
		wantW       int
		wantH       int
		wantCodec   string
	}{
		{"vp8 sender offers", true, gstreamer.PipelineConfig{Source: gstreamer.SourceSynthetic, Format: camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecVP8}}, "", 640, 360, "VP8"},
		{"vp8 page offers", false, gstreamer.PipelineConfig{Source: gstreamer.SourceSynthetic, Format: camera.Format{Width: 1280, Height: 720, FPS: 30, Codec: camera.CodecVP8}}, "", 1280, 720, "VP8"},
		{"h264 sender offers", true, gstreamer.PipelineConfig{Source: gstreamer.SourceSynthetic, Format: camera.Format{Width: 1280, Height: 720, FPS: 30, Codec: camera.CodecH264}}, "", 1280, 720, "H264"},
		{"h264 page offers", false, gstreamer.PipelineConfig{Source: gstreamer.SourceSynthetic, Format: camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecH264}}, "", 640, 360, "H264"},
		{"openh264 sender offers", true, gstreamer.PipelineConfig{Source: gstreamer.SourceSynthetic, H264Encoder: gstreamer.EncoderOpenH264, Format: camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecH264}}, "", 640, 360, "H264"},
		{"request 320x180 from a 640x360 sender after its offer", true, gstreamer.PipelineConfig{Source: gstreamer.SourceSynthetic, Format: camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecVP8}}, "&request=320x180@15&codec=vp8", 320, 180, "VP8"},
		{"request h264 320x180 before the page's offer", false, gstreamer.PipelineConfig{Source: gstreamer.SourceSynthetic, Format: camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecVP8}}, "&request=320x180@15&codec=h264", 320, 180, "H264"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			room := protocol.NewRoomID()
			var page *browser.Page
			if tt.senderFirst {
				rs := startSender(t, srv, room, tt.pipe)
				rs.waitCount(ctx, t, camera.StateWaiting, 1)
				page = openViewer(ctx, t, srv, room, tt.extra)
			} else {
				page = openViewer(ctx, t, srv, room, tt.extra)
				require.NoError(t, page.WaitFor(ctx, `window.echtzeit.snapshot().state === "joined"`, 10*time.Second, dump))
				startSender(t, srv, room, tt.pipe)
			}
			snap := waitDecoding(ctx, t, page, tt.wantW, tt.wantH, 30)
			assert.Equal(t, tt.wantCodec, snap.Inbound.Codec)
			checkFrameCode(ctx, t, page)
		})
	}
}

// TestChromiumVideoTestSrc streams the thesis's source (videotestsrc, no frame code).
func TestChromiumVideoTestSrc(t *testing.T) {
	srv := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	room := protocol.NewRoomID()
	rs := startSender(t, srv, room, gstreamer.PipelineConfig{Source: gstreamer.SourceTestSrc, Format: camera.Format{Width: 320, Height: 240, FPS: 30, Codec: camera.CodecVP8}})
	rs.waitCount(ctx, t, camera.StateWaiting, 1)
	page := openViewer(ctx, t, srv, room, "")
	snap := waitDecoding(ctx, t, page, 320, 240, 30)
	assert.Equal(t, "VP8", snap.Inbound.Codec)
}

// TestChromiumNextViewer: the viewer leaves, another page joins and gets a stream
// from the same sender, which stayed in its room.
func TestChromiumNextViewer(t *testing.T) {
	srv := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	room := protocol.NewRoomID()
	pipe := gstreamer.PipelineConfig{Source: gstreamer.SourceSynthetic, Format: camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecVP8}}
	rs := startSender(t, srv, room, pipe)
	rs.waitCount(ctx, t, camera.StateWaiting, 1)

	first := openViewer(ctx, t, srv, room, "")
	waitDecoding(ctx, t, first, 640, 360, 10)
	require.NoError(t, first.Do(ctx, "window.echtzeit.leave()"))
	rs.waitCount(ctx, t, camera.StateWaiting, 2)

	second := openViewer(ctx, t, srv, room, "")
	waitDecoding(ctx, t, second, 640, 360, 10)
	checkFrameCode(ctx, t, second)
	// A third viewer after the second closed its tab (no Leave: the connection drops).
	require.NoError(t, second.Close())
	rs.waitCount(ctx, t, camera.StateWaiting, 3)
	third := openViewer(ctx, t, srv, room, "")
	waitDecoding(ctx, t, third, 640, 360, 10)
	assert.Equal(t, 1, rs.count(camera.StateConnecting), "the sender did not rejoin")
}
