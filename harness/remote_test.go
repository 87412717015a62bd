package harness_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness"
	"echtzeit/harness/results"
	"echtzeit/signaling/protocol"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

// startProcess runs a binary for the test's lifetime.
func startProcess(t *testing.T, path string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(path, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(path), out.String())
		}
	})
	return cmd
}

// TestRemoteCamera runs the harness in remote mode (as against a Pi) with a
// signaling server and a camera it did not start: it joins the camera's room,
// requests each format and reads the camera's CPU from its /metrics.
func TestRemoteCamera(t *testing.T) {
	requireMediaEnv(t)
	bin := binaries(t)
	sigPort, metricsPort := freePort(t), freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(sigPort)
	startProcess(t, filepath.Join(bin, "signaling"), "--addr", addr, "--log-level", "warn")

	// Read the self-signed certificate's fingerprint, as a user would from the
	// server's log.
	var fp string
	require.Eventually(t, func() bool {
		c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // reading the fingerprint
		if err != nil {
			return false
		}
		defer func() { _ = c.Close() }()
		sum := sha256.Sum256(c.ConnectionState().PeerCertificates[0].Raw)
		fp = hex.EncodeToString(sum[:])
		return true
	}, 10*time.Second, 50*time.Millisecond)

	room := protocol.NewRoomID()
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)
	startProcess(t, filepath.Join(bin, "camera"),
		"--signaling", "wss://"+addr+"/ws", "--tls-fingerprint", fp, "--room", string(room),
		"--source", "synthetic", "--width", "640", "--height", "360", "--codec", "vp8",
		"--metrics-addr", fmt.Sprintf("127.0.0.1:%d", metricsPort), "--ice-loopback")
	require.Eventually(t, func() bool {
		resp, err := http.Get(metricsURL) //nolint:noctx // bounded by Eventually
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 15*time.Second, 100*time.Millisecond)

	sc := loadScenario(t, fmt.Sprintf(`name: remote
warmup: 1s
measure: 3s
timeout: 40s
signaling:
  url: wss://%s/ws
  fingerprint: %s
  metrics-url: https://%s/metrics
camera:
  remote: true
  room: %q
  metrics-url: %s
trials:
  - kind: camera-to-browser
    resolutions: [160x90, 320x180]
    codecs: [vp8, h264]
    fps: [15]
`, addr, fp, addr, room, metricsURL))
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "run")
	out, err := harness.Run(ctx, harness.Config{Scenario: sc, Dir: dir})
	require.NoError(t, err)
	t.Cleanup(func() { dumpOnFailure(t, dir) })
	require.Len(t, out.Trials, 4)
	for _, tr := range out.Trials {
		t.Run(tr.Name, func(t *testing.T) {
			require.True(t, tr.OK, "failed: %s", tr.FailReason)
			assert.True(t, tr.Remote)
			assert.Equal(t, tr.Params.Width, tr.ReceivedWidth, "the camera honoured the request")
			assert.Equal(t, tr.Params.Height, tr.ReceivedHeight)
			assert.Equal(t, string(tr.Params.Codec), strings.ToLower(tr.Codec))
			assert.Positive(t, tr.FPSMean)
			cam := tr.Processes[results.ProcessCamera]
			assert.Equal(t, "metrics", cam.Source)
			assert.Positive(t, cam.CPUPct, "camera CPU from process_cpu_seconds_total")
			assert.Positive(t, cam.PeakRSSBytes)
			assert.Equal(t, "metrics", tr.Processes[results.ProcessSignaling].Source)
		})
	}
}
