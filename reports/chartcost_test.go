package reports

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/results"
)

// chartRun is a run of scenarios/chart.yaml's shape: repeats 1–4 of one
// trial with and without the live chart, Chromium's CPU given per trial.
func chartRun(t *testing.T, cpu [][2]float64) string {
	t.Helper()
	env := results.Environment{Scenario: "chart", StartTime: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), CPUModel: "AMD EPYC", Cores: 2}
	var trials []results.Trial
	for r, pair := range cpu {
		for i, on := range []bool{true, false} {
			chart := on
			trials = append(trials, results.Trial{
				Index: len(trials), Kind: results.KindCameraToBrowser, OK: true,
				Params: results.Params{Width: 320, Height: 180, Resolution: "320x180", Codec: "vp8", Source: "synthetic",
					Sender: results.SenderEchtzeit, FPS: 15, Viewers: 1, Chart: &chart, Repeat: r + 1},
				Measured: results.Measured{FPSMean: 15, Processes: map[string]results.ProcessStats{
					results.ProcessBrowser: {CPUPct: pair[i], Samples: 30},
				}},
			})
		}
	}
	return writeRun(t, env, trials)
}

func TestRenderChartCost(t *testing.T) {
	tests := []struct {
		name string
		cpu  [][2]float64 // with, without per repeat
		want []string
	}{
		{
			name: "within budget",
			// Repeat 1 (Chromium's start) is left out: its +20 must not count.
			cpu:  [][2]float64{{40, 20}, {14.5, 14}, {13, 13.5}, {15, 14}},
			want: []string{"## The live chart's cost", "| 3 | 14.17 % | 13.83 % | +0.33 % |", "< 2 % of a core: met"},
		},
		{
			name: "over budget",
			cpu:  [][2]float64{{14, 14}, {17, 14}, {18, 14.5}, {17.5, 14}},
			want: []string{"| 3 | 17.50 % | 14.17 % | +3.33 % |", "< 2 % of a core: not met"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := chartRun(t, tt.cpu)
			require.NoError(t, Render(dir))
			md := string(readFile(t, filepath.Join(dir, FileMarkdown)))
			for _, w := range tt.want {
				assert.Contains(t, md, w)
			}
		})
	}
}

func TestRenderWithoutChartSweepHasNoChartCost(t *testing.T) {
	dir := renderedRun(t, fixtureDir)
	assert.NotContains(t, string(readFile(t, filepath.Join(dir, FileMarkdown))), "live chart's cost")
}
