package reports

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/results"
)

// scaleTrial is a signaling-load trial as the load generator records it.
func scaleTrial(index, conns int, mode string, nodes int, cpuPct, rssPerConnKB float64) results.Trial {
	p := results.Params{Participants: conns, LoadMode: mode, Nodes: nodes, Repeat: 1}
	if mode == results.LoadSteady {
		p.SignalRate = 1
	}
	base := int64(12 << 20)
	end := base + int64(rssPerConnKB*1000*float64(conns))
	perConn, perRSS := cpuPct/float64(conns), rssPerConnKB*1000
	phase := results.MeasuredLoadPhase(mode)
	s := &results.SignalingLoad{
		Connections: conns, Rooms: conns / 2, ServerBaselineRSSBytes: &base, RSSPerConnBytes: &perRSS, CPUPerConnPct: &perConn,
		LoadgenHost: "vm", LoadgenCPUPct: 3.5, LoadgenPeakRSSBytes: 40 << 20,
		Phases: []results.LoadPhase{
			{Name: "connect", Seconds: 4, ServerCPUPct: ptr(80.0), ServerRSSBytes: &end, LoadgenCPUPct: 90},
			{Name: phase, Seconds: 60, ServerCPUPct: &cpuPct, ServerRSSBytes: &end, LoadgenCPUPct: 2},
		},
	}
	if mode == results.LoadSession {
		s.SessionsDone, s.SetupP50Ms, s.SetupP95Ms = conns/2, ptr(31.0), ptr(88.0)
	}
	if mode == results.LoadSteady {
		s.MessagesPerSecond = float64(conns)
	}
	return results.Trial{
		Index: index, Kind: results.KindSignalingLoad, Name: fmt.Sprintf("load %d", index), Params: p, OK: true, Measured: results.Measured{
			Signaling: s,
			Processes: map[string]results.ProcessStats{results.ProcessSignaling: {CPUPct: cpuPct * 3, PeakRSSBytes: end, Samples: 60, Source: "proc"}},
		},
	}
}

func ptr[T any](v T) *T { return &v }

func TestSignalingPerConnection(t *testing.T) {
	env := results.Environment{Scenario: "signaling-scale", StartTime: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), CPUModel: "AMD EPYC", Cores: 2}
	trials := []results.Trial{
		scaleTrial(0, 1000, results.LoadIdle, 0, 0.05, 21),
		scaleTrial(1, 10000, results.LoadIdle, 0, 0.4, 18.5),
		scaleTrial(2, 50, results.LoadSteady, 0, 0.42, 60),
		scaleTrial(3, 5000, results.LoadSteady, 0, 30, 33),
		scaleTrial(4, 50, results.LoadSession, 0, 0.6, 55),
		scaleTrial(5, 5000, results.LoadSteady, 3, 45, 40),
	}
	dir := writeRun(t, env, trials)
	require.NoError(t, Render(dir))
	if d := os.Getenv("ECHTZEIT_KEEP_REPORT"); d != "" {
		require.NoError(t, os.CopyFS(d, os.DirFS(dir)))
	}

	img, err := png.Decode(bytes.NewReader(readFile(t, filepath.Join(dir, PlotSignalingPerConn))))
	require.NoError(t, err)
	assert.Equal(t, 768, img.Bounds().Dx())
	assert.Equal(t, 768, img.Bounds().Dy())

	md := string(readFile(t, filepath.Join(dir, FileMarkdown)))
	for _, want := range []string{
		"## Signaling per connection",
		"Method: every trial starts fresh signaling processes",
		// The thesis's 50 users, per mode, from the windows' /proc ticks.
		"with 50 users, steady: measured 0.42 % mean over 1 trial at 50 participants",
		"with 50 users, session: measured 0.60 % mean over 1 trial at 50 participants",
		"— reproduced.",
		"### idle (connected, keepalives only)",
		"### steady, 1 signal/s per client, 3-node cluster",
		"### session model (offer, answer, candidates, then idle)",
		"| 1 | 10000 | 60.0 | 0.40 | 0.040 | 12.0 | 188.4 | 18.5 |",
		"31.0 / 88.0",
		"3.50 (vm)",
		"idle (connected, keepalives only) (from 10,000 connections): 1.73 GiB RSS, 4.0 % of a core",
	} {
		assert.Contains(t, md, want)
	}
	assert.Contains(t, md, "steady, 1 signal/s per client (from 5,000 connections): 3.09 GiB RSS, 600.0 % of a core")
	assert.NotContains(t, md, "3-node cluster (from", "clusters are not projected")
	assert.NotContains(t, md, "then idle) (from", "nor the session model")
	assert.Contains(t, string(readFile(t, filepath.Join(dir, FileHTML))), "data:image/png;base64,", "the plot is embedded")
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567"} {
		assert.Equal(t, want, thousands(n))
	}
}
