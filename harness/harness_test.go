package harness_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness"
	"echtzeit/harness/browser"
	"echtzeit/harness/forwarder"
	"echtzeit/harness/phase"
	"echtzeit/harness/results"
	"echtzeit/harness/scenario"
	"echtzeit/reports"
)

// binDir builds the real signaling and camera binaries once per test binary.
var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

func binaries(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "echtzeit-harness-bin-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", buildDir+string(os.PathSeparator), "./cmd/signaling", "./cmd/camera", "./cmd/gstsender", "./cmd/harness")
		cmd.Dir = ".."
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	require.NoError(t, buildErr)
	return buildDir
}

func TestMain(m *testing.M) {
	// The test binary stands in for the harness binary as the forwarder of
	// emulated networks ("harness link-forward").
	if len(os.Args) > 1 && os.Args[1] == "link-forward" {
		if err := forwarder.Serve(context.Background(), os.Stdin, os.Stdout, os.Getpid()); err != nil {
			fmt.Fprintln(os.Stderr, "forwarder:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// requireMediaEnv skips (or fails under ECHTZEIT_REQUIRE_BROWSER) when Chromium
// is missing or the test is not inside a network namespace with only lo.
func requireMediaEnv(t *testing.T) {
	t.Helper()
	require := os.Getenv(browser.EnvRequireBrowser) != ""
	stop := t.Skipf
	if require {
		stop = t.Fatalf
	}
	if _, err := browser.ExecPath(); err != nil {
		stop("chromium: %v", err)
	}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatalf("interfaces: %v", err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagUp != 0 && i.Flags&net.FlagLoopback == 0 {
			stop("interface %s is up: run media tests in a private network namespace (scripts/netns.sh go test ...)", i.Name)
		}
	}
}

func loadScenario(t *testing.T, text string) *scenario.Scenario {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	s, err := scenario.Load(path)
	require.NoError(t, err)
	return s
}

const tinyScenario = `name: tiny
warmup: 1s
measure: 3s
timeout: 40s
trials:
  - kind: camera-to-browser
    resolutions: [160x90, 320x180]
    codecs: [vp8]
    sources: [synthetic]
  - kind: browser-to-browser
    resolutions: [320x180]
    sources: [fake, canvas]
  - kind: signaling-load
    participants: [2, 20]
    rate: 2
`

// TestRunEndToEnd runs every trial kind against the real binaries and Chromium
// and checks the run folder.
func TestRunEndToEnd(t *testing.T) {
	requireMediaEnv(t)
	bin := binaries(t)
	sc := loadScenario(t, tinyScenario)
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var progress strings.Builder
	out, err := harness.Run(ctx, harness.Config{Scenario: sc, Dir: dir, BinDir: bin, Progress: &progress, Render: reports.Render})
	require.NoError(t, err)
	t.Cleanup(func() { dumpOnFailure(t, dir) })
	t.Log(progress.String())
	require.NoError(t, out.RenderErr)

	for _, f := range []string{results.FileScenario, results.FileEnvironment, results.FileTrials, results.FileSamples, results.FileLog, "report.md", "report.html"} {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
		assert.Positive(t, st.Size(), f)
	}
	env, err := results.ReadEnvironment(filepath.Join(dir, results.FileEnvironment))
	require.NoError(t, err)
	assert.Equal(t, "tiny", env.Scenario)
	assert.NotEmpty(t, env.CPUModel)
	assert.Positive(t, env.Cores)
	assert.Contains(t, env.ChromiumVersion, "Chromium")
	assert.False(t, env.EndTime.IsZero())

	trials, err := results.ReadTrials(filepath.Join(dir, results.FileTrials))
	require.NoError(t, err)
	require.Len(t, trials, 6)
	quality := 0
	for _, tr := range trials {
		t.Run(tr.Name, func(t *testing.T) {
			require.True(t, tr.OK, "failed: %s\n%s", tr.FailReason, tr.StderrTail)
			assert.Positive(t, tr.Processes[results.ProcessHarness].Samples)
			if tr.Kind == results.KindSignalingLoad {
				require.NotNil(t, tr.Signaling)
				assert.Equal(t, tr.Params.Participants, tr.Signaling.Connections)
				assert.Positive(t, tr.Signaling.MessagesDelivered)
				assert.Positive(t, tr.Signaling.MessagesPerSecond)
				assert.Contains(t, tr.Processes, results.ProcessSignaling)
				assert.Positive(t, tr.Signaling.SentPerSecond)
				require.NotNil(t, tr.Signaling.ServerRelayP50Ms, "from the server's histogram")
				assert.Positive(t, *tr.Signaling.ServerRelayP50Ms)
				return
			}
			assert.Equal(t, tr.Params.Width, tr.ReceivedWidth)
			assert.Equal(t, tr.Params.Height, tr.ReceivedHeight)
			assert.Positive(t, tr.FPSMean)
			assert.Positive(t, tr.FramesDecoded)
			require.NotNil(t, tr.SetupMs)
			require.NotNil(t, tr.SetupPageMs, "setup on the page's clock")
			require.NotNil(t, tr.NavigationDelayMs)
			require.NotNil(t, tr.SettleMs, "the first viewer's tab navigates after the settle")
			assert.GreaterOrEqual(t, *tr.SettleMs, 1000.0, "the default settle, 1 s")
			require.NotNil(t, tr.SettleBusyCores, "the machine's CPU over the settle (/proc/stat)")
			assert.GreaterOrEqual(t, *tr.SettleBusyCores, 0.0)
			for _, name := range phase.Setup() {
				require.NotNil(t, tr.Phases.Get(name), "phase %s", name)
			}
			sum := 0.0
			for _, seg := range phase.Segments() {
				d, ok := seg.Duration(tr.Phases)
				require.True(t, ok, seg.Name)
				assert.GreaterOrEqual(t, d, 0.0, "segment %s", seg.Name)
				sum += d
			}
			assert.InDelta(t, *tr.SetupPageMs, sum, 1e-6, "the segments add up to the page-clock setup")
			require.NotNil(t, tr.Delays, "the latency's parts")
			assert.NotNil(t, tr.Delays.JitterBufferMs)
			assert.NotNil(t, tr.Delays.DecodeMs)
			if tr.Params.Source == "synthetic" || tr.Params.Source == results.SourceCanvas {
				require.NotNil(t, tr.LatencyP50Ms, "the frame code gives latency (%s)", tr.Params.Source)
				require.NotNil(t, tr.LatencyMeanMs)
				if tr.PSNRDb != nil {
					quality++
					assert.Greater(t, *tr.PSNRDb, 25.0, "PSNR against the regenerated reference")
					assert.Greater(t, *tr.SSIM, 0.8)
				}
			}
			assert.Positive(t, tr.Processes[results.ProcessBrowser].CPUPct, "browser CPU")
			assert.Positive(t, tr.Processes[results.ProcessBrowser].PeakRSSBytes)
			require.NotNil(t, tr.Sender, "the sender's own counters")
			assert.Positive(t, tr.Sender.FramesEncoded)
			assert.Positive(t, tr.Sender.EncodedFPS)
			if tr.Kind == results.KindBrowserToBrowser {
				assert.Equal(t, "page", tr.Sender.Source)
			}
			if tr.Kind == results.KindCameraToBrowser {
				assert.Equal(t, "camera-metrics", tr.Sender.Source)
				assert.NotNil(t, tr.Sender.EncodeP50Ms)
				assert.NotNil(t, tr.Delays.EncodeMs, "the camera's encode time")
				assert.NotNil(t, tr.Delays.SendMs, "the camera's send time")
				assert.Positive(t, tr.Processes[results.ProcessCamera].CPUPct, "camera CPU")
				require.NotNil(t, tr.LatencyP50Ms, "the synthetic source's frame code gives latency")
				assert.GreaterOrEqual(t, *tr.LatencyP50Ms, 0.0)
			}
		})
	}

	samples, err := results.ReadSamples(filepath.Join(dir, results.FileSamples))
	require.NoError(t, err)
	perTrial := map[int]map[string]bool{}
	for _, s := range samples {
		if perTrial[s.Trial] == nil {
			perTrial[s.Trial] = map[string]bool{}
		}
		perTrial[s.Trial][s.Process] = true
	}
	assert.True(t, perTrial[0][results.ProcessViewer] && perTrial[0][results.ProcessCamera] && perTrial[0][results.ProcessBrowser])
	assert.True(t, perTrial[4][results.ProcessLoad] && perTrial[4][results.ProcessSignaling])
	assert.Positive(t, quality, "at least one trial compared frames with their reference")

	// The report is reproducible from the folder alone.
	before, err := os.ReadFile(filepath.Join(dir, "report.md"))
	require.NoError(t, err)
	require.NoError(t, reports.Render(dir))
	after, err := os.ReadFile(filepath.Join(dir, "report.md"))
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after))
}

// TestCameraKilledMidTrial kills the camera while the first trial measures: that
// trial fails with the reason and the camera's output, the next one succeeds.
func TestCameraKilledMidTrial(t *testing.T) {
	requireMediaEnv(t)
	bin := binaries(t)
	sc := loadScenario(t, `name: kill
warmup: 1s
measure: 4s
timeout: 40s
trials:
  - kind: camera-to-browser
    resolutions: [160x90]
    repeats: 2
`)
	camPath := filepath.Join(bin, "camera")
	var killed sync.WaitGroup
	var once sync.Once
	var killErr error
	onStage := func(trial int, stage string) {
		if trial != 0 || !strings.HasPrefix(stage, "measuring") {
			return
		}
		once.Do(func() {
			killed.Add(1)
			defer killed.Done()
			pid, err := findProcess(camPath)
			if err != nil {
				killErr = err
				return
			}
			killErr = syscall.Kill(pid, syscall.SIGKILL)
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "run")
	out, err := harness.Run(ctx, harness.Config{Scenario: sc, Dir: dir, BinDir: bin, OnStage: onStage})
	require.NoError(t, err)
	t.Cleanup(func() { dumpOnFailure(t, dir) })
	killed.Wait()
	require.NoError(t, killErr)
	require.Len(t, out.Trials, 2)

	first, second := out.Trials[0], out.Trials[1]
	assert.False(t, first.OK)
	assert.Equal(t, results.ProcessCamera, first.FailedComponent)
	assert.Contains(t, first.FailReason, "camera exited")
	assert.Contains(t, first.FailReason, "killed")
	assert.NotEmpty(t, first.StderrTail, "the camera's last output lines")
	assert.True(t, second.OK, "the next trial runs with a fresh camera: %s", second.FailReason)
	assert.Positive(t, second.FPSMean)

	// What is on disk matches.
	trials, err := results.ReadTrials(filepath.Join(dir, results.FileTrials))
	require.NoError(t, err)
	require.Len(t, trials, 2)
	assert.Equal(t, first.FailReason, trials[0].FailReason)
}

// findProcess returns the PID of the running process whose executable is path.
func findProcess(path string) (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && exe == path {
			return pid, nil
		}
	}
	return 0, errors.New("no process runs " + path)
}

// dumpOnFailure logs the run's log and samples when the test failed.
func dumpOnFailure(t *testing.T, dir string) {
	if !t.Failed() {
		return
	}
	for _, f := range []string{results.FileLog, results.FileSamples, results.FileTrials} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Logf("%s: %v", f, err)
			continue
		}
		lines := strings.Split(string(b), "\n")
		if len(lines) > 150 {
			lines = lines[len(lines)-150:]
		}
		t.Logf("---- %s (last lines)\n%s", f, strings.Join(lines, "\n"))
	}
}

// TestInterruptKeepsData cancels the run (Ctrl-C) while the first trial
// measures: the trial is recorded as interrupted, the rest do not run, and the
// run folder and report are complete.
func TestInterruptKeepsData(t *testing.T) {
	bin := binaries(t)
	sc := loadScenario(t, `name: interrupt
warmup: 1s
measure: 5s
trials:
  - kind: signaling-load
    participants: [4, 6]
`)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	onStage := func(trial int, stage string) {
		if trial == 0 && strings.HasPrefix(stage, "measuring") {
			go func() {
				time.Sleep(time.Second)
				cancel()
			}()
		}
	}
	dir := filepath.Join(t.TempDir(), "run")
	out, err := harness.Run(ctx, harness.Config{Scenario: sc, Dir: dir, BinDir: bin, OnStage: onStage, Render: reports.Render})
	require.NoError(t, err)
	t.Cleanup(func() { dumpOnFailure(t, dir) })
	assert.True(t, out.Interrupted)
	require.NoError(t, out.RenderErr)
	require.Len(t, out.Trials, 1)
	assert.False(t, out.Trials[0].OK)
	assert.Contains(t, out.Trials[0].FailReason, "interrupted while measuring")
	trials, err := results.ReadTrials(filepath.Join(dir, results.FileTrials))
	require.NoError(t, err)
	require.Len(t, trials, 1)
	_, err = os.Stat(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
}

// TestLoadModesAndCluster runs the signaling load through the load
// generator process in each mode, on one server and on a local cluster of
// three, and checks the per-connection figures and phases it reports.
func TestLoadModesAndCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	bin := binaries(t)
	sc := loadScenario(t, `name: load-modes
warmup: 1s
measure: 2s
timeout: 90s
trials:
  - kind: signaling-load
    participants: [6]
    modes: [idle, session]
  - kind: signaling-load
    participants: [6]
    modes: [steady]
    nodes: [3]
    rate: 4
`)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "run")
	out, err := harness.Run(ctx, harness.Config{Scenario: sc, Dir: dir, BinDir: bin, Render: reports.Render})
	require.NoError(t, err)
	t.Cleanup(func() { dumpOnFailure(t, dir) })
	require.NoError(t, out.RenderErr)
	require.Len(t, out.Trials, 3)
	wantPhases := map[string][]string{
		"idle":    {"connect", "settle", "idle"},
		"session": {"setup", "idle", "window"},
		"steady":  {"connect", "settle", "steady", "drain"},
	}
	for _, tr := range out.Trials {
		t.Run(tr.Name, func(t *testing.T) {
			require.True(t, tr.OK, "failed: %s\n%s", tr.FailReason, tr.StderrTail)
			s := tr.Signaling
			require.NotNil(t, s)
			assert.Equal(t, 6, s.Connections)
			var names []string
			for _, p := range s.Phases {
				names = append(names, p.Name)
				require.NotNil(t, p.ServerCPUPct, "server CPU from /proc (%s)", p.Name)
			}
			assert.Equal(t, wantPhases[tr.Params.LoadMode], names)
			require.NotNil(t, s.RSSPerConnBytes)
			require.NotNil(t, s.CPUPerConnPct)
			require.NotNil(t, s.ServerBaselineRSSBytes)
			assert.Positive(t, *s.ServerBaselineRSSBytes)
			assert.NotEmpty(t, s.LoadgenHost)
			assert.Positive(t, s.LoadgenPeakRSSBytes)
			assert.Contains(t, tr.Processes, results.ProcessLoadgen, "the generator is a process of its own")
			switch tr.Params.LoadMode {
			case "session":
				assert.Equal(t, 3, s.SessionsDone)
				require.NotNil(t, s.SetupP50Ms)
			case "steady":
				assert.Equal(t, 3, tr.Params.Nodes)
				assert.Contains(t, tr.Processes, "signaling-3")
				assert.Positive(t, s.MessagesPerSecond)
				assert.Equal(t, s.MessagesSent, s.MessagesDelivered, "every signal crosses the cluster")
				// The receiving nodes' histograms count the signals that
				// crossed the cluster.
				require.NotNil(t, s.ServerRelayP50Ms, "the servers' relay latency of a cluster")
				assert.Positive(t, *s.ServerRelayP50Ms)
			}
		})
	}
}
