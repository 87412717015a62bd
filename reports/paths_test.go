package reports

import (
	"bytes"
	"image"
	"image/png"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/results"
)

// pathsRun is a run of the paths scenario's shape: the camera on four paths
// (one relay trial failed to set up), and one, two and four viewers.
func pathsRun(t *testing.T) string {
	t.Helper()
	ptr := func(v float64) *float64 { return &v }
	env := results.Environment{Scenario: "paths", StartTime: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), CPUModel: "AMD EPYC", Cores: 2}
	var trials []results.Trial
	add := func(tr results.Trial) {
		tr.Index = len(trials)
		tr.Kind = results.KindCameraToBrowser
		tr.Params.Width, tr.Params.Height, tr.Params.Resolution = 640, 480, "640x480"
		tr.Params.Codec, tr.Params.Source, tr.Params.Sender, tr.Params.FPS = "vp8", "synthetic", results.SenderEchtzeit, 30
		tr.Params.Repeat = 1
		if tr.Params.Viewers == 0 {
			tr.Params.Viewers = 1
		}
		trials = append(trials, tr)
	}
	host := &results.CandidatePair{LocalType: "host", RemoteType: "host", Protocol: "udp"}
	relayUDP := &results.CandidatePair{LocalType: "relay", RemoteType: "relay", Protocol: "udp", RelayProtocol: "udp"}
	relayTCP := &results.CandidatePair{LocalType: "relay", RemoteType: "host", Protocol: "udp", RelayProtocol: "tcp"}
	cpu := func(camera, signaling float64) map[string]results.ProcessStats {
		return map[string]results.ProcessStats{
			results.ProcessCamera:    {CPUPct: camera, Samples: 8},
			results.ProcessSignaling: {CPUPct: signaling, Samples: 8},
		}
	}
	for _, p := range []struct {
		path  string
		setup float64
		pair  *results.CandidatePair
		relay float64
	}{
		{"direct", 800, host, 0}, {"direct", 820, host, 0}, {"cone", 850, relayUDP, 700},
		{"symmetric-both", 900, relayUDP, 700}, {"symmetric-both", 940, relayUDP, 690},
		{"udp-blocked", 1010, relayTCP, 710},
		{"relay-forced", 870, relayUDP, 705},
	} {
		add(results.Trial{OK: true, Params: results.Params{Path: p.path}, Measured: results.Measured{
			SetupMs: ptr(p.setup), FPSMean: 29.8, LatencyP50Ms: ptr(35), CandidatePair: p.pair, ICEGatheringMs: ptr(120),
			Relay: &results.RelayStats{Kbps: p.relay}, Processes: cpu(20, 3),
		}})
	}
	add(results.Trial{Params: results.Params{Path: "udp-blocked"}, FailReason: "timeout after 45s while waiting for the first frame"})
	for _, v := range []struct {
		n   int
		cpu float64
		fps []float64
	}{{1, 20, []float64{29.9}}, {2, 22, []float64{29.8, 29.9}}, {4, 26, []float64{29.5, 29.9, 29.7, 29.6}}} {
		tr := results.Trial{OK: true, Params: results.Params{Viewers: v.n, Participants: v.n + 1}, Measured: results.Measured{
			SetupMs: ptr(800), FPSMean: v.fps[0], BitrateKbps: 640, Processes: cpu(v.cpu, 0.5),
			Sender: &results.SenderStats{Source: "camera-metrics", FramesEncoded: 300, FramesSent: int64(300 * v.n)},
		}}
		if v.n > 1 {
			for i, f := range v.fps {
				tr.PerViewer = append(tr.PerViewer, results.ViewerStats{Index: i, FPSMean: f, BitrateKbps: 640})
				tr.FPSMean = min(tr.FPSMean, f)
			}
		}
		add(tr)
	}
	return writeRun(t, env, trials)
}

func TestRenderPathsAndViewers(t *testing.T) {
	dir := pathsRun(t)
	require.NoError(t, Render(dir))
	md := string(readFile(t, filepath.Join(dir, FileMarkdown)))

	assert.Contains(t, md, "## Paths: NATs and the TURN relay")
	assert.Contains(t, md, "| camera VP8 | direct | 2 of 2 | host → host | 810 | 120 | 29.8 | 35 | 0 | 3.0 |")
	assert.Contains(t, md, "| camera VP8 | udp-blocked | 1 of 2 | relay → host (TURN/TCP) | 1010 |")
	assert.Contains(t, md, "Every path sets up: not met — no first frame in #7 udp-blocked.")
	assert.Contains(t, md, "camera VP8 symmetric-both: 2 of 2 set-up trials relayed (met)")
	assert.Contains(t, md, "camera VP8 relay-forced: 1 of 1 set-up trials relayed (met)")
	assert.Contains(t, md, "A direct path exists but the stream took the relay: camera VP8 cone: 1 of 1 set-up trials relayed")
	assert.Contains(t, md, "Setup p50 through the relay within 150 ms of direct (810 ms), camera VP8: symmetric-both 920 ms (+110), udp-blocked 1010 ms (+200), relay-forced 870 ms (+60) — not met.")

	assert.Contains(t, md, "## One camera, many viewers")
	assert.Contains(t, md, "| host · VP8 640×480 – | 4 | 1 of 1 | 29.5 | 29.9 | 26.0 | 1.30 | 2560 | 4.00 | 800 |")
	assert.Contains(t, md, "Camera CPU with 4 viewers at most 1.5 × one viewer (host · VP8 640×480 –): 26.0 % vs 20.0 % = 1.30 × — met.")
	assert.Contains(t, md, "Every viewer at least 25 fps (host · VP8 640×480 –): lowest 29.5 fps — met.")

	// The per-resolution plots keep to one-viewer trials without a path: none here.
	assert.Contains(t, md, "not drawn")
	img, err := png.Decode(bytes.NewReader(readFile(t, filepath.Join(dir, PlotViewers))))
	require.NoError(t, err)
	assert.Equal(t, image.Point{768, 768}, img.Bounds().Size())
	assert.Contains(t, string(readFile(t, filepath.Join(dir, FileHTML))), "Camera CPU and uplink bit rate against the number of viewers")
}

func TestRenderWithoutViewersHasNoViewersPlot(t *testing.T) {
	dir := renderedRun(t, fixtureDir)
	assert.NoFileExists(t, filepath.Join(dir, PlotViewers))
	md := string(readFile(t, filepath.Join(dir, FileMarkdown)))
	assert.NotContains(t, md, "One camera, many viewers")
	assert.NotContains(t, md, "Paths: NATs")
}
