package camera_test

import (
	"bufio"
	"context"
	"echtzeit/internal/syncbuf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
)

// envCameraBin names a camera binary for TestCandidateFloodRSS instead of
// building cmd/camera (to measure another version, e.g. the one before the
// bounds: see DESIGN.md "Hostile peers").
const envCameraBin = "ECHTZEIT_FLOOD_CAMERA"

// buildBinaries builds the signaling server and the camera into a temporary
// folder (sharing the build cache with the other tests).
func buildBinaries(t *testing.T) (signaling, cam string) {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-o", dir+string(os.PathSeparator), "echtzeit/cmd/signaling", "echtzeit/cmd/camera").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return filepath.Join(dir, "signaling"), filepath.Join(dir, "camera")
}

// startSignalingBinary runs a plain-WebSocket server on a free loopback port and
// returns its ws:// URL.
func startSignalingBinary(ctx context.Context, t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, "--plain", "--addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ws := regexp.MustCompile(`ws=(ws://\S+)`)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := ws.FindStringSubmatch(sc.Text()); m != nil {
			go func() {
				for sc.Scan() {
				}
			}()
			return m[1]
		}
	}
	t.Fatal("the signaling server printed no ws= address")
	return ""
}

// rssBytes is a process's resident set size from /proc.
func rssBytes(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestCandidateFloodRSS: the real camera and server binaries; a room member that
// never answers floods the camera with 60 KB candidates at the server's pace for
// 8 s (issue #14 defect 2: ~100 MB in 20 s). The camera's resident memory stays
// within a few MB of where it was, and its log holds no room ID.
func TestCandidateFloodRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binaries")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sigBin, camBin := buildBinaries(t)
	if b := os.Getenv(envCameraBin); b != "" {
		camBin = b
	}
	ws := startSignalingBinary(ctx, t, sigBin)
	room := protocol.NewRoomID()
	var camLog syncbuf.Buffer
	cam := exec.CommandContext(ctx, camBin, "--signaling", ws, "--room", string(room), "--ice-loopback",
		"--width", "320", "--height", "180", "--metrics-addr", "off", "--state-dir", t.TempDir())
	cam.Stdout, cam.Stderr = &camLog, &camLog
	require.NoError(t, cam.Start())
	t.Cleanup(func() { _ = cam.Process.Kill(); _ = cam.Wait() })

	cl, err := client.Dial(ctx, ws)
	require.NoError(t, err)
	defer cl.Close()
	// Join once the camera is in the room, so that the camera offers.
	for {
		joined, err := cl.Join(ctx, room)
		require.NoError(t, err)
		if len(joined.Peers) > 0 {
			break
		}
		require.NoError(t, cl.Leave(ctx))
		time.Sleep(50 * time.Millisecond)
	}
	// Drain what the server sends (the offer); the flood needs none of it.
	go func() {
		for {
			if _, err := cl.Receive(ctx); err != nil {
				return
			}
		}
	}()
	time.Sleep(500 * time.Millisecond) // the session is set up
	before := rssBytes(t, cam.Process.Pid)

	// One pre-encoded 60 KB candidate, sent as fast as the server lets the
	// attacker's connection send: its byte burst at once, then its byte rate
	// (server.DefaultConfig: 1 MiB, then 256 KiB/s).
	sig, err := protocol.Encode(protocol.Signal{Signal: bigCandidate(t, 1, 60_000)})
	require.NoError(t, err)
	limits := server.DefaultConfig()
	burst := int(limits.ByteBurst)/len(sig) - 1
	tick := time.NewTicker(time.Duration(float64(time.Second) * float64(len(sig)) / float64(limits.ByteRate) * 1.1))
	defer tick.Stop()
	sent, peak := 0, before
	for deadline := time.Now().Add(8 * time.Second); time.Now().Before(deadline); sent++ {
		if sent >= burst {
			<-tick.C
		}
		require.NoError(t, cl.SendRaw(ctx, sig), "after %d candidates", sent)
		if sent%5 == 0 {
			peak = max(peak, rssBytes(t, cam.Process.Pid))
		}
	}
	time.Sleep(500 * time.Millisecond)
	after := rssBytes(t, cam.Process.Pid)
	peak = max(peak, after)
	mb := func(b int64) float64 { return float64(b) / (1 << 20) }
	t.Logf("camera RSS %.1f MiB before, %.1f MiB after, %.1f MiB peak, after %d candidates of 60 KB (%.1f MB) in 8 s",
		mb(before), mb(after), mb(peak), sent, float64(sent)*60e3/1e6)
	assert.Less(t, peak-before, int64(16<<20), "the camera's memory stays bounded under the flood")
	assert.False(t, hex64.MatchString(strings.ReplaceAll(camLog.String(), string(room), "")), "the log holds a 64-hex string other than the room ID")
	assert.Equal(t, 0, strings.Count(camLog.String(), string(room)), "the room ID given by --room is in no log line")
}
