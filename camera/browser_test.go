package camera_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/camera/softenc"
	"echtzeit/harness/browser"
	"echtzeit/harness/browser/browsertest"
	"echtzeit/harness/phase"
	webui "echtzeit/interface"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// chromium is the one browser of this test binary; the browser tests open tabs in it.
var chromium = browsertest.NewShared(browser.WithWebRTCTesting())

func TestMain(m *testing.M) {
	if code, ok := runHelper(); ok { // the forwarder or a camera process (netem_test.go)
		os.Exit(code)
	}
	os.Exit(chromium.Run(m))
}

// dump is what a failed WaitFor shows.
const dump = "JSON.stringify(window.echtzeit && window.echtzeit.snapshot())"

// openViewer opens the real page at /?room=ID&extra in a new tab.
func openViewer(ctx context.Context, t *testing.T, srv *signalingtest.Server, room protocol.RoomID, extra string) *browser.Page {
	t.Helper()
	page := chromium.Page(t)
	require.NoError(t, page.Navigate(ctx, srv.URL+"/?room="+string(room)+extra))
	return page
}

// waitDecoding waits until the page decodes more than n frames of w×h.
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

// checkFrameCode reads the frame code statistics twice, a second apart, once
// the start ramp is over (ramp.go: every format has its bitrate 2 s after the
// connection; before, a 1280×720 H.264 picture can be too coarse to read): the
// frame numbers go on increasing, nearly every code of that second is
// readable and the latencies are plausible for one machine.
func checkFrameCode(ctx context.Context, t *testing.T, page *browser.Page) browser.Snapshot {
	t.Helper()
	require.NoError(t, page.WaitFor(ctx, `window.echtzeit.snapshot().frameCode.decoded > 10`, 10*time.Second, dump))
	time.Sleep(2 * time.Second)
	a, err := page.Snapshot(ctx)
	require.NoError(t, err)
	time.Sleep(time.Second)
	b, err := page.Snapshot(ctx)
	require.NoError(t, err)
	require.NotNil(t, a.FrameCode.LastFrame)
	require.NotNil(t, b.FrameCode.LastFrame)
	advanced := (*b.FrameCode.LastFrame - *a.FrameCode.LastFrame + 1<<16) % (1 << 16)
	assert.Positive(t, advanced, "frame numbers advance")
	assert.Greater(t, b.FrameCode.Decoded, a.FrameCode.Decoded)
	assert.Less(t, b.FrameCode.Unreadable-a.FrameCode.Unreadable, (b.FrameCode.Decoded-a.FrameCode.Decoded)/10+2, "nearly every frame code is readable")
	lat := slices.Clone(b.FrameCode.LatencyMs)
	require.NotEmpty(t, lat)
	slices.Sort(lat)
	median := lat[len(lat)/2]
	assert.Greater(t, median, 0.0, "latency is positive")
	assert.Less(t, median, 2000.0, "latency is plausible on one machine")
	t.Logf("frame code: %d decoded, %d unreadable, %d skipped, %d repeated; latency median %.0f ms (min %.0f, max %.0f)",
		b.FrameCode.Decoded, b.FrameCode.Unreadable, b.FrameCode.Skipped, b.FrameCode.Repeated, median, lat[0], lat[len(lat)-1])
	return b
}

func logSetup(t *testing.T, s browser.Snapshot) {
	t.Helper()
	p := s.Phases
	if p.Get(phase.Navigation) != nil && p.Get(phase.FirstFrame) != nil && p.Get(phase.Joined) != nil {
		t.Logf("setup: navigation → first frame %.0f ms, joined → first frame %.0f ms; %.1f fps, %s %0.fx%0.f, decoder %q",
			*p.Get(phase.FirstFrame)-*p.Get(phase.Navigation), *p.Get(phase.FirstFrame)-*p.Get(phase.Joined), s.Derived.FPS, s.Inbound.Codec,
			s.Inbound.FrameWidth, s.Inbound.FrameHeight, s.Inbound.DecoderImplementation)
	}
}

// TestChromiumViewer streams the synthetic source to the real page in Chromium
// through the real server: VP8 and H.264 at two resolutions, both roles.
func TestChromiumViewer(t *testing.T) {
	tests := []struct {
		name        string
		cameraFirst bool
		format      camera.Format
		extra       string // URL parameters of the page
		wantW       int
		wantH       int
		wantCodec   string
		encOpts     []softenc.Option
	}{
		{"vp8 640x360 camera offers", true, camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecVP8}, "", 640, 360, "VP8", nil},
		{"vp8 1280x720 page offers", false, camera.Format{Width: 1280, Height: 720, FPS: 30, Codec: camera.CodecVP8}, "", 1280, 720, "VP8", nil},
		{"h264 640x360 page offers", false, camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecH264}, "", 640, 360, "H264", nil},
		{"h264 1280x720 camera offers", true, camera.Format{Width: 1280, Height: 720, FPS: 30, Codec: camera.CodecH264}, "", 1280, 720, "H264", nil},
		{"request 320x180 h264 from a vp8 camera", true, camera.Format{Width: 1280, Height: 720, FPS: 30, Codec: camera.CodecVP8}, "&request=320x180@15&codec=h264", 320, 180, "H264", nil},
		{"vp8 640x360 mediadevices encoder", true, camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecVP8}, "", 640, 360, "VP8", []softenc.Option{}},
		{"h264 640x360 mediadevices encoder (High profile)", false, camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecH264}, "", 640, 360, "H264", []softenc.Option{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()))
			opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			room := protocol.NewRoomID()
			var page *browser.Page
			if tt.cameraFirst {
				cam := startCamera(t, srv.WSURL, opts, room, tt.format, tt.encOpts...)
				waitState(ctx, t, cam, camera.StateWaiting)
				page = openViewer(ctx, t, srv, room, tt.extra)
			} else {
				page = openViewer(ctx, t, srv, room, tt.extra)
				require.NoError(t, page.WaitFor(ctx, `window.echtzeit.snapshot().state === "joined"`, 10*time.Second, dump))
				startCamera(t, srv.WSURL, opts, room, tt.format, tt.encOpts...)
			}
			snap := waitDecoding(ctx, t, page, tt.wantW, tt.wantH, 30)
			assert.Equal(t, tt.wantCodec, snap.Inbound.Codec)
			assert.Nil(t, snap.Error)
			logSetup(t, snap)
			checkFrameCode(ctx, t, page)
			waitViewerRTT(ctx, t, page)
		})
	}
}

// waitViewerRTT waits until the page's receiver knows the round trip to the
// camera: Chromium, which only receives, has it only from the camera's DLRR
// answers to its RRTRs (dlrr.go), as roundTripTimeMeasurements of the
// remote-outbound-rtp stats.
func waitViewerRTT(ctx context.Context, t *testing.T, page *browser.Page) {
	t.Helper()
	const js = `(async () => { let n = 0;
		(await window.echtzeit.pc.getStats()).forEach(s => {
			if (s.type === "remote-outbound-rtp" && s.kind === "video") n = s.roundTripTimeMeasurements || 0; });
		return n; })()`
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := browser.Eval[int](ctx, page, js)
		require.NoError(t, err)
		if n > 0 {
			return
		}
		require.True(t, time.Now().Before(deadline), "the viewer has no round trip for the camera's stream: no DLRR answers to its RRTRs")
		time.Sleep(200 * time.Millisecond)
	}
}

// TestChromiumNextViewer: the viewer leaves, another page joins and gets a stream
// from the same camera, which did not rejoin.
func TestChromiumNextViewer(t *testing.T) {
	srv := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()))
	opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	room := protocol.NewRoomID()
	f := camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecVP8}
	cam := startCamera(t, srv.WSURL, opts, room, f)
	waitState(ctx, t, cam, camera.StateWaiting)

	first := openViewer(ctx, t, srv, room, "")
	waitDecoding(ctx, t, first, 640, 360, 10)
	require.NoError(t, first.Do(ctx, "window.echtzeit.leave()"))
	for cam.count(camera.StateWaiting) < 2 {
		select {
		case <-ctx.Done():
			t.Fatal("the camera did not go back to waiting after the page left")
		case <-time.After(20 * time.Millisecond):
		}
	}
	second := openViewer(ctx, t, srv, room, "")
	snap := waitDecoding(ctx, t, second, 640, 360, 10)
	logSetup(t, snap)
	checkFrameCode(ctx, t, second)
	assert.Equal(t, 1, cam.count(camera.StateConnecting), "the camera did not rejoin")
}
