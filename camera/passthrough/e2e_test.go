package passthrough_test

import (
	"context"
	"echtzeit/internal/syncbuf"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera/passthrough"
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

// requireMedia skips (or, with ECHTZEIT_REQUIRE_BROWSER, fails) a test that
// streams media unless Chromium and ffmpeg are there and the test runs in a
// private network namespace with only lo (media must never touch eth0).
func requireMedia(t *testing.T) {
	t.Helper()
	stop := t.Skipf
	if os.Getenv(browser.EnvRequireBrowser) != "" {
		stop = t.Fatalf
	}
	if _, err := browser.ExecPath(); err != nil {
		stop("chromium: %v", err)
	}
	ifs, err := net.Interfaces()
	require.NoError(t, err)
	for _, i := range ifs {
		if i.Flags&net.FlagUp != 0 && i.Flags&net.FlagLoopback == 0 {
			stop("interface %s is up: run media tests in a private network namespace "+
				"(scripts/netns.sh go test ./camera/passthrough/)", i.Name)
		}
	}
}

// buildCamera builds cmd/camera into a temporary folder: for this machine
// with the default settings (sharing the build cache with the other tests), or
// cross-compiled without cgo for goarch (and goarm) as `make pi` does.
func buildCamera(t *testing.T, goarch, goarm string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "camera-"+goarch+goarm)
	cmd := exec.Command("go", "build", "-o", out, "echtzeit/cmd/camera")
	cmd.Env = os.Environ()
	if goarch != runtime.GOARCH {
		cmd.Args = []string{"go", "build", "-trimpath", "-o", out, "echtzeit/cmd/camera"}
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch, "GOARM="+goarm)
	}
	start := time.Now()
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", b)
	t.Logf("built %s in %v", filepath.Base(out), time.Since(start).Round(time.Second))
	return out
}

// startCamera runs the camera binary (through an emulator if given) until the
// test ends, then stops it with SIGTERM and checks that it exits.
func startCamera(t *testing.T, emulator string, bin string, args ...string) *syncbuf.Buffer {
	t.Helper()
	if emulator != "" {
		args = append([]string{bin}, args...)
		bin = emulator
	}
	cmd := exec.Command(bin, args...)
	out := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-done:
			assert.NoError(t, err, "camera exit after SIGINT")
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Error("camera did not stop within 20 s of SIGINT")
		}
		if t.Failed() {
			t.Logf("camera output:\n%s", out.String())
		}
	})
	return out
}

// watchViewer opens the interface in Chromium for room and waits until it has
// decoded frames frames; it returns the last snapshot.
func watchViewer(t *testing.T, srv *signalingtest.Server, room protocol.RoomID, frames int, timeout time.Duration) browser.Snapshot {
	t.Helper()
	page := chromium.Page(t)
	ctx, cancel := context.WithTimeout(t.Context(), timeout+30*time.Second)
	defer cancel()
	require.NoError(t, page.Navigate(ctx, srv.URL+"/?room="+string(room)))
	cond := fmt.Sprintf("(() => { const s = window.echtzeit && window.echtzeit.snapshot(); "+
		"return !!(s && s.inbound && s.inbound.framesDecoded >= %d); })()", frames)
	err := page.WaitFor(ctx, cond, timeout, fmt.Sprintf("%d decoded frames", frames))
	snap, serr := page.Snapshot(ctx)
	require.NoError(t, serr)
	require.NoError(t, err, "snapshot: state %s, inbound %+v, error %+v", snap.State, snap.Inbound, snap.Error)
	return snap
}

func standinPath(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv(browser.EnvRequireBrowser) != "" {
			t.Fatal("ffmpeg is required (Debian package ffmpeg) but not in PATH")
		}
		t.Skip("ffmpeg not in PATH: install Debian's ffmpeg to run the rpicam stand-in")
	}
	p, err := filepath.Abs(filepath.Join("testdata", "rpicam-vid-standin.sh"))
	require.NoError(t, err)
	return p
}

// TestE2ERpicamToChromium streams the rpicam source (the stand-in rpicam-vid)
// through the real camera binary and signaling server to real Chromium.
func TestE2ERpicamToChromium(t *testing.T) {
	requireMedia(t)
	script := standinPath(t)
	bin := buildCamera(t, runtime.GOARCH, "")
	srv := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()))
	room := protocol.NewRoomID()
	command := strings.Replace(passthrough.DefaultRpicamCommand, "rpicam-vid", script, 1)
	out := startCamera(t, "", bin,
		"--signaling", srv.WSURL, "--tls-fingerprint", srv.Fingerprint, "--room", string(room),
		"--source", "rpicam", "--rpicam-command", command,
		"--width", "320", "--height", "240", "--fps", "15", "--bitrate", "300000",
		"--metrics-addr", "off", "--ice-loopback", "--log-level", "debug")

	snap := watchViewer(t, srv, room, 30, 60*time.Second)
	assert.Equal(t, "streaming", snap.State)
	require.NotNil(t, snap.Inbound)
	assert.Equal(t, 320.0, snap.Inbound.FrameWidth)
	assert.Equal(t, 240.0, snap.Inbound.FrameHeight)
	assert.Contains(t, strings.ToLower(snap.Inbound.Codec), "h264")
	assert.Contains(t, out.String(), "rpicam-vid-standin.sh -t 0 -n --codec h264", "the command line is logged")
	t.Logf("viewer: %.0f frames decoded, %.1f fps, codec %s, first frame %.0f ms after navigation",
		snap.Inbound.FramesDecoded, snap.Inbound.FramesPerSecond, snap.Inbound.Codec, phaseMs(snap.Phases.Get(phase.FirstFrame), snap.Phases.Get(phase.Navigation)))
}

func phaseMs(at, from *float64) float64 {
	if at == nil || from == nil {
		return -1
	}
	return *at - *from
}

// emulator returns how to run a binary for goarch on this machine: "" when
// binfmt_misc runs it transparently, else the qemu-user-static binary.
func emulator(t *testing.T, qemu string) string {
	t.Helper()
	if b, err := os.ReadFile("/proc/sys/fs/binfmt_misc/" + strings.TrimSuffix(qemu, "-static")); err == nil &&
		strings.HasPrefix(string(b), "enabled") {
		t.Logf("binfmt_misc runs %s binaries transparently", strings.TrimPrefix(qemu, "qemu-"))
		return ""
	}
	p, err := exec.LookPath(qemu)
	if err != nil {
		if os.Getenv(browser.EnvRequireBrowser) != "" {
			t.Fatalf("%s not found (Debian package qemu-user-static): %v", qemu, err)
		}
		t.Skipf("%s not found (install Debian's qemu-user-static): %v", qemu, err)
	}
	t.Logf("binfmt_misc has no %s entry: running the binary under %s", strings.TrimSuffix(qemu, "-static"), p)
	return p
}

// TestE2EPiBuildUnderQEMU cross-compiles the camera for the Pi without cgo,
// runs it under qemu-user with the file source against the real server, and
// watches it in real Chromium.
func TestE2EPiBuildUnderQEMU(t *testing.T) {
	tests := []struct {
		name          string
		goarch, goarm string
		qemu          string
		clip          string
		codec         string
	}{
		{"arm64 H.264 clip", "arm64", "", "qemu-aarch64-static", "testsrc-160x120-15fps-aud.h264", "h264"},
		{"armv7 VP8 clip", "arm", "7", "qemu-arm-static", "testsrc-160x120-15fps.ivf", "vp8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := emulator(t, tt.qemu)
			requireMedia(t)
			bin := buildCamera(t, tt.goarch, tt.goarm)
			clip, err := filepath.Abs(filepath.Join("..", "..", "testdata", "media", tt.clip))
			require.NoError(t, err)
			srv := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()))
			room := protocol.NewRoomID()
			out := startCamera(t, emu, bin,
				"--signaling", srv.WSURL, "--tls-fingerprint", srv.Fingerprint, "--room", string(room),
				"--source", "file", "--file", clip,
				"--metrics-addr", "off", "--ice-loopback", "--log-level", "debug")

			snap := watchViewer(t, srv, room, 20, 90*time.Second)
			assert.Equal(t, "streaming", snap.State)
			require.NotNil(t, snap.Inbound)
			assert.Equal(t, 160.0, snap.Inbound.FrameWidth)
			assert.Equal(t, 120.0, snap.Inbound.FrameHeight)
			assert.Contains(t, strings.ToLower(snap.Inbound.Codec), tt.codec)
			assert.Contains(t, out.String(), "playing clip")
			t.Logf("%s under emulation: %.0f frames decoded, %.1f fps, first frame %.0f ms after navigation",
				tt.goarch, snap.Inbound.FramesDecoded, snap.Inbound.FramesPerSecond, phaseMs(snap.Phases.Get(phase.FirstFrame), snap.Phases.Get(phase.Navigation)))
		})
	}
}
