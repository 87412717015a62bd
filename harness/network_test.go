package harness_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness"
	"echtzeit/harness/netns"
	"echtzeit/harness/results"
	"echtzeit/reports"
)

// requireNetworkEnv skips (or fails under ECHTZEIT_REQUIRE_BROWSER) where
// emulated networks cannot be built: they need root, ip and /dev/net/tun.
func requireNetworkEnv(t *testing.T) {
	t.Helper()
	requireMediaEnv(t)
	stop := t.Skipf
	if os.Getenv("ECHTZEIT_REQUIRE_BROWSER") != "" {
		stop = t.Fatalf
	}
	if os.Geteuid() != 0 {
		stop("emulated networks need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		stop("no ip (iproute2)")
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		stop("no /dev/net/tun")
	}
}

// networkConfig runs the forwarder as this test binary (TestMain).
func networkConfig(c harness.Config) harness.Config {
	c.Forwarder = []string{os.Args[0], "link-forward"}
	return c
}

// ownNamespaces lists the namespaces this test process owns now.
func ownNamespaces(t *testing.T) []string {
	t.Helper()
	self, err := netns.Self()
	require.NoError(t, err)
	names, err := netns.List()
	require.NoError(t, err)
	var own []string
	for _, n := range names {
		if o, _, ok := netns.ParseName(n); ok && o == self {
			own = append(own, n)
		}
	}
	return own
}

// TestNetworkTrials runs the camera and the Chromium sender over the 3g
// profile: trials.jsonl names the networks and has the round trip and the
// link's capacity, samples.csv has the network column and the link's rows,
// the forwarder is measured, and no namespace is left afterwards.
func TestNetworkTrials(t *testing.T) {
	requireNetworkEnv(t)
	bin := binaries(t)
	sc := loadScenario(t, `name: net
warmup: 1s
measure: 3s
timeout: 60s
trials:
  - kind: camera-to-browser
    resolutions: [320x180]
    networks: [3g]
  - kind: browser-to-browser
    resolutions: [320x180]
    networks: [lan]
    viewer-networks: [3g]
`)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "run")
	out, err := harness.Run(ctx, networkConfig(harness.Config{Scenario: sc, Dir: dir, BinDir: bin, Render: reports.Render}))
	require.NoError(t, err)
	t.Cleanup(func() { dumpOnFailure(t, dir) })
	require.NoError(t, out.RenderErr)
	require.Len(t, out.Trials, 2)
	for _, tr := range out.Trials {
		require.True(t, tr.OK, "trial %d: %s", tr.Index, tr.FailReason)
		t.Logf("#%d %s: %.1f fps, %.0f kbit/s, RTT %v ms, link %v kbit/s, processes %v",
			tr.Index, tr.Name, tr.FPSMean, tr.BitrateKbps, deref(tr.RTTMs), deref(tr.LinkKbps), keys(tr.Processes))
		assert.Equal(t, "3g", map[int]string{0: tr.Params.Network, 1: tr.Params.ViewerNetwork}[tr.Index])
		require.NotNil(t, tr.RTTMs)
		assert.GreaterOrEqual(t, *tr.RTTMs, 140.0, "3g has a round trip of 150 ms")
		require.NotNil(t, tr.LinkKbps)
		assert.Contains(t, tr.Processes, results.ProcessForwarder)
	}
	assert.InDelta(t, 768, *out.Trials[0].LinkKbps, 1, "the camera's uplink: 3g up")
	assert.InDelta(t, 1600, *out.Trials[1].LinkKbps, 1, "the viewer's downlink: 3g down")
	assert.Contains(t, out.Trials[1].Processes, results.ProcessSenderBrowser, "each side has its own Chromium")

	samples, err := results.ReadSamples(filepath.Join(dir, results.FileSamples))
	require.NoError(t, err)
	links := 0
	for _, s := range samples {
		want := map[int]string{0: "3g", 1: "lan"}[s.Trial]
		assert.Equal(t, want, s.Network, "row of trial %d", s.Trial)
		if s.Process == results.ProcessLink {
			links++
		}
	}
	assert.Greater(t, links, 4, "link rows once a second")
	assert.Empty(t, ownNamespaces(t), "namespaces left after the run")
}

// TestNetworkTornDownAfterKilledTrial: the forwarder of the first trial is
// killed while it measures; the trial fails naming it, the next trial gets a
// network of its own and succeeds, and no namespace is left. A run
// interrupted (Ctrl-C) mid-trial leaves none either.
func TestNetworkTornDownAfterKilledTrial(t *testing.T) {
	requireNetworkEnv(t)
	bin := binaries(t)
	sc := loadScenario(t, `name: net-kill
warmup: 1s
measure: 4s
timeout: 60s
trials:
  - kind: camera-to-browser
    resolutions: [160x90]
    networks: [cable]
    repeats: 2
`)
	hook, killErr := killOnMeasuring(os.Args[0]) // the forwarder is this binary
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "run")
	out, err := harness.Run(ctx, networkConfig(harness.Config{Scenario: sc, Dir: dir, BinDir: bin, OnStage: hook}))
	require.NoError(t, err)
	t.Cleanup(func() { dumpOnFailure(t, dir) })
	require.NoError(t, killErr())
	require.Len(t, out.Trials, 2)
	assert.False(t, out.Trials[0].OK)
	assert.Equal(t, results.ProcessForwarder, out.Trials[0].FailedComponent, "reason: %s", out.Trials[0].FailReason)
	assert.True(t, out.Trials[1].OK, "a new network for the next trial: %s", out.Trials[1].FailReason)
	assert.Empty(t, ownNamespaces(t), "namespaces left after a killed trial")

	// Ctrl-C while measuring.
	ictx, icancel := context.WithCancel(context.Background())
	defer icancel()
	onStage := func(trial int, stage string) {
		if strings.HasPrefix(stage, "measuring") {
			go func() { time.Sleep(500 * time.Millisecond); icancel() }()
		}
	}
	out, err = harness.Run(ictx, networkConfig(harness.Config{Scenario: sc, Dir: filepath.Join(t.TempDir(), "run2"), BinDir: bin, OnStage: onStage}))
	require.NoError(t, err)
	assert.True(t, out.Interrupted)
	assert.Empty(t, ownNamespaces(t), "namespaces left after Ctrl-C")
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
