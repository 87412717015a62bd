package main

import (
	"context"
	"echtzeit/internal/syncbuf"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
	"echtzeit/harness/browser/browsertest"
	"echtzeit/harness/phase"
	webui "echtzeit/interface"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// One Chromium for the end-to-end tests of this package.
var chromium = browsertest.NewShared(browser.WithWebRTCTesting())

func TestMain(m *testing.M) { os.Exit(chromium.Run(m)) }

// requireOnlyLoopback skips (or, with ECHTZEIT_REQUIRE_BROWSER, fails) a media
// test outside a network namespace with only lo (scripts/netns.sh).
func requireOnlyLoopback(t *testing.T) {
	t.Helper()
	ifs, err := net.Interfaces()
	require.NoError(t, err)
	for _, i := range ifs {
		if i.Flags&net.FlagUp != 0 && i.Flags&net.FlagLoopback == 0 {
			msg := "interface " + i.Name + " is up: run this test in a network namespace with only lo (scripts/netns.sh go test ./cmd/camera/)"
			if os.Getenv(browser.EnvRequireBrowser) != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// TestStreamsInLoopbackNamespaceWithoutFlag: in a network namespace with only lo,
// the camera as a user starts it — no --ice-loopback — streams to the real page
// in Chromium, and logs why it included loopback candidates (issue: it used to
// gather no candidate and the page failed after ~15 s).
func TestStreamsInLoopbackNamespaceWithoutFlag(t *testing.T) {
	requireOnlyLoopback(t)
	srv := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()))
	room := protocol.NewRoomID()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	camCtx, stopCam := context.WithCancel(ctx)
	var stdout, stderr syncbuf.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(camCtx, []string{
			"--signaling", srv.WSURL, "--tls-fingerprint", srv.Fingerprint, "--room", string(room),
			"--source", "synthetic", "--width", "320", "--height", "180", "--fps", "15",
			"--metrics-addr", "off", "--state-dir", t.TempDir(),
		}, &stdout, &stderr)
	}()
	t.Cleanup(func() {
		stopCam()
		select {
		case err := <-done:
			assert.NoError(t, err, "camera run")
		case <-time.After(15 * time.Second):
			t.Error("camera did not stop within 15 s")
		}
		if t.Failed() {
			t.Logf("camera log:\n%s", stderr.String())
		}
	})

	page := chromium.Page(t)
	require.NoError(t, page.Navigate(ctx, srv.URL+"/?room="+string(room)))
	cond := `(() => { const s = window.echtzeit && window.echtzeit.snapshot();
		return !!(s && s.state === "streaming" && s.inbound && s.inbound.framesDecoded >= 20); })()`
	require.NoError(t, page.WaitFor(ctx, cond, 30*time.Second, "JSON.stringify(window.echtzeit.snapshot())"))
	snap, err := page.Snapshot(ctx)
	require.NoError(t, err)
	assert.Equal(t, 320.0, snap.Inbound.FrameWidth)
	assert.Nil(t, snap.Error)
	log := stderr.String()
	assert.Contains(t, log, "including loopback ICE candidates")
	assert.Contains(t, log, "mode=auto")
	assert.Contains(t, log, "no network interface other than loopback has a usable address")
	assert.Contains(t, log, "is a loopback address")
	if nav, first := snap.Phases.Get(phase.Navigation), snap.Phases.Get(phase.FirstFrame); nav != nil && first != nil {
		t.Logf("streaming without --ice-loopback: first frame %.0f ms after navigation, %.0f frames decoded",
			*first-*nav, snap.Inbound.FramesDecoded)
	}
}
