package harness_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness"
	"echtzeit/harness/cgroup"
	"echtzeit/harness/results"
	"echtzeit/reports"
)

// requireCgroups skips unless CPU budgets can be created here (cpu controller
// and the right to create groups).
func requireCgroups(t *testing.T) *cgroup.Controller {
	t.Helper()
	c, err := cgroup.Detect()
	if err != nil {
		t.Skipf("no cgroup cpu controller: %v", err)
	}
	g, err := c.New(1)
	if err != nil {
		t.Skipf("cannot create cgroups: %v", err)
	}
	require.NoError(t, g.Remove())
	return c
}

// groupsOf lists the budget groups owned by process pid.
func groupsOf(t *testing.T, c *cgroup.Controller, pid int) []string {
	t.Helper()
	entries, err := os.ReadDir(c.Dir())
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), fmt.Sprintf("%s%d-", cgroup.Prefix, pid)) {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestGStreamerSenderUnderBudget runs the GStreamer sender and the camera to
// Chromium under a 0.5-core budget: every trial streams, the senders stay
// within their quota, and no group is left.
func TestGStreamerSenderUnderBudget(t *testing.T) {
	requireMediaEnv(t)
	c := requireCgroups(t)
	bin := binaries(t)
	sc := loadScenario(t, `name: gst
warmup: 1s
measure: 3s
timeout: 40s
trials:
  - kind: camera-to-browser
    resolutions: [1280x720]   # needs more than half a core on the host
    codecs: [vp8]
    senders: [gstreamer, echtzeit]
    cpu: ["0.5"]
`)
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	out, err := harness.Run(ctx, harness.Config{Scenario: sc, Dir: dir, BinDir: bin, Render: reports.Render})
	require.NoError(t, err)
	t.Cleanup(func() { dumpOnFailure(t, dir) })
	require.NoError(t, out.RenderErr)
	trials, err := results.ReadTrials(filepath.Join(dir, results.FileTrials))
	require.NoError(t, err)
	require.Len(t, trials, 2)
	for _, tr := range trials {
		t.Run(tr.Name, func(t *testing.T) {
			require.True(t, tr.OK, "failed: %s\n%s", tr.FailReason, tr.StderrTail)
			process := results.ProcessCamera
			if tr.Params.Sender == results.SenderGStreamer {
				process = results.ProcessGStreamer
				assert.NotContains(t, tr.Processes, results.ProcessCamera)
			}
			p, ok := tr.Processes[process]
			require.True(t, ok, "the sender's CPU and RSS are measured")
			assert.Positive(t, p.PeakRSSBytes)
			require.NotNil(t, tr.Sender, "the sender's /metrics")
			assert.Positive(t, tr.Sender.FramesEncoded)
			require.NotNil(t, tr.LatencyP50Ms, "the frame code is measured for both senders")
			require.Equal(t, "0.5", tr.Params.CPU)
			require.NotNil(t, tr.Params.CPUCores)
			require.NotNil(t, tr.CPUBudget)
			assert.Positive(t, tr.CPUBudget.Periods)
			assert.LessOrEqual(t, p.CPUPct, 55.0, "the sender stays within its 0.5-core budget")
			t.Logf("%s: %.1f fps, sender CPU %.1f %%, budget %+v", tr.Name, tr.FPSMean, p.CPUPct, tr.CPUBudget)
		})
	}
	assert.Empty(t, groupsOf(t, c, os.Getpid()), "every budget group was removed")
	report, err := os.ReadFile(filepath.Join(dir, "report.md"))
	require.NoError(t, err)
	assert.Contains(t, string(report), "GStreamer")
}

// TestBudgetGoneAfterHarnessCrash kills the harness (SIGKILL) while a sender
// runs under a budget: the group's reaper removes the group.
func TestBudgetGoneAfterHarnessCrash(t *testing.T) {
	c := requireCgroups(t)
	bin := binaries(t)
	sc := filepath.Join(t.TempDir(), "crash.yaml")
	require.NoError(t, os.WriteFile(sc, []byte(`name: crash
warmup: 1s
measure: 30s
timeout: 60s
trials:
  - kind: camera-to-browser
    resolutions: [320x180]
    cpu: ["0.5"]
`), 0o644))
	cmd := exec.Command(filepath.Join(bin, "harness"), "run", "--bin", bin, "--out", filepath.Join(t.TempDir(), "run"), sc)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	owner := cmd.Process.Pid
	var group string
	deadline := time.Now().Add(60 * time.Second)
	for group == "" && time.Now().Before(deadline) {
		for _, g := range groupsOf(t, c, owner) {
			if procs, err := os.ReadFile(filepath.Join(c.Dir(), g, "cgroup.procs")); err == nil && len(strings.TrimSpace(string(procs))) > 0 {
				group = g
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if group == "" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal("the harness never put a sender into a budget group")
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	path := filepath.Join(c.Dir(), group)
	deadline = time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s is still there 15 s after the harness was killed", path)
}
