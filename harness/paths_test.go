package harness_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness"
	"echtzeit/harness/results"
	"echtzeit/reports"
)

const pathsScenario = `name: paths-tiny
warmup: 1s
measure: 3s
timeout: 40s
trials:
  - kind: camera-to-browser
    resolutions: [320x180]
    paths: [direct, relay-forced]
  - kind: camera-to-browser
    resolutions: [320x180]
    viewers: [3]
`

// TestRunPathsAndViewers runs a trial through the embedded TURN relay (the
// relay-only policy on the camera and the page) beside a direct one, and a
// trial with three viewer pages in one Chromium.
func TestRunPathsAndViewers(t *testing.T) {
	requireMediaEnv(t)
	bin := binaries(t)
	sc := loadScenario(t, pathsScenario)
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var progress strings.Builder
	out, err := harness.Run(ctx, harness.Config{Scenario: sc, Dir: dir, BinDir: bin, Progress: &progress, Render: reports.Render})
	require.NoError(t, err)
	t.Cleanup(func() { dumpOnFailure(t, dir) })
	require.NoError(t, out.RenderErr)
	trials, err := results.ReadTrials(filepath.Join(dir, results.FileTrials))
	require.NoError(t, err)
	require.Len(t, trials, 3)
	for _, tr := range trials {
		require.True(t, tr.OK, "%s failed: %s\n%s", tr.Name, tr.FailReason, tr.StderrTail)
		require.NotNil(t, tr.CandidatePair, tr.Name)
		require.NotNil(t, tr.ICEGatheringMs, tr.Name)
		require.NotNil(t, tr.Relay, "%s: the TURN server's counters are read when the scenario has paths", tr.Name)
	}

	direct, relayed, fan := trials[0], trials[1], trials[2]
	assert.Equal(t, "direct", direct.Params.Path)
	assert.False(t, direct.CandidatePair.Relayed(), "%+v", direct.CandidatePair)
	assert.Less(t, direct.Relay.BytesToPeer, int64(10_000))

	assert.Equal(t, "relay-forced", relayed.Params.Path)
	assert.Equal(t, "relay", relayed.CandidatePair.LocalType)
	// Chromium allocates over TURN/UDP and TURN/TCP; on loopback both work and
	// the camera nominates the pair that validated first (--ice-nomination-wait 0).
	assert.Contains(t, []string{"udp", "tcp"}, relayed.CandidatePair.RelayProtocol)
	assert.Greater(t, relayed.Relay.BytesToPeer, int64(50_000), "the video crossed the relay")
	assert.Positive(t, relayed.Relay.Kbps)
	assert.Positive(t, relayed.Processes[results.ProcessSignaling].CPUPct, "the relay's CPU is the signaling server's")

	assert.Equal(t, 3, fan.Params.Viewers)
	assert.Equal(t, 4, fan.Params.Participants)
	require.Len(t, fan.PerViewer, 3)
	low := fan.PerViewer[0].FPSMean
	for i, v := range fan.PerViewer {
		assert.Equal(t, i, v.Index)
		assert.Positive(t, v.FPSMean, "viewer %d", i)
		assert.Positive(t, v.FramesDecoded, "viewer %d", i)
		require.NotNil(t, v.SetupMs, "viewer %d", i)
		low = min(low, v.FPSMean)
	}
	assert.Equal(t, low, fan.FPSMean, "fpsMean is the lowest viewer's")
	require.NotNil(t, fan.Sender)
	assert.InDelta(t, 3*float64(fan.Sender.FramesEncoded), float64(fan.Sender.FramesSent), 10, "each frame encoded once, sent to three viewers")
	require.NotNil(t, fan.Sender.BitrateKbps, "the camera's uplink")
	assert.Positive(t, *fan.Sender.BitrateKbps)
	t.Logf("direct: pair %+v, setup %.0f ms; relay-forced: pair %+v, setup %.0f ms, relayed %.0f kbit/s; 3 viewers: fps %.1f",
		*direct.CandidatePair, *direct.SetupMs, *relayed.CandidatePair, *relayed.SetupMs, relayed.Relay.Kbps, fan.FPSMean)
}
