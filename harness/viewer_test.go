package harness

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
	"echtzeit/harness/phase"
	"echtzeit/harness/results"
)

func snap(session int, tsMs, decoded, bytes float64, codeDecoded int, lat ...float64) browser.Snapshot {
	return browser.Snapshot{
		Session: session,
		Inbound: &browser.Inbound{
			Timestamp: tsMs, FramesDecoded: decoded, BytesReceived: bytes,
			FrameWidth: 320, FrameHeight: 180, PacketsReceived: decoded * 2, Jitter: 0.004,
		},
		FrameCode: browser.FrameCode{Decoded: codeDecoded, LatencyMs: lat},
	}
}

func TestViewerSeries(t *testing.T) {
	start := time.Unix(100, 0)
	v := newViewerSeries(7, start)
	v.frameCode = true

	// Setup: first snapshot without stats yet.
	row := v.add(browser.Snapshot{Session: 1}, start.Add(time.Second))
	assert.True(t, math.IsNaN(row.FPS))
	assert.Equal(t, results.ProcessViewer, row.Process)
	assert.Equal(t, 7, row.Trial)
	assert.False(t, row.Measuring)

	// The window starts before the page has inbound stats.
	v.startWindow()
	row = v.add(snap(1, 10_000, 100, 100_000, 3, 40, 41, 42), start.Add(2*time.Second))
	assert.True(t, row.Measuring)
	assert.True(t, math.IsNaN(row.FPS), "no previous stats")
	assert.Equal(t, 41.0, row.LatencyMs, "median of the three new values")

	row = v.add(snap(1, 11_000, 130, 200_000, 33, append(make([]float64, 3), fill(30, 50)...)...), start.Add(3*time.Second))
	assert.InDelta(t, 30, row.FPS, 1e-9)
	assert.InDelta(t, 800, row.BitrateKbps, 1e-9)
	assert.Equal(t, 50.0, row.LatencyMs)

	// Values the clocks cannot explain are dropped.
	row = v.add(snap(1, 12_000, 150, 250_000, 35, -5, 2e7), start.Add(4*time.Second))
	assert.InDelta(t, 20, row.FPS, 1e-9)
	assert.True(t, math.IsNaN(row.LatencyMs))

	var tr results.Measured
	v.fill(&tr)
	assert.Equal(t, int64(50), tr.FramesDecoded)
	assert.InDelta(t, 25, tr.FPSMean, 1e-9, "50 frames over 2 s of page time")
	assert.InDelta(t, 20.5, tr.FPSP5, 1e-9)
	assert.Equal(t, 320, tr.ReceivedWidth)
	assert.InDelta(t, 4, tr.JitterMs, 1e-9)
	require.NotNil(t, tr.LatencyP50Ms)
	assert.Equal(t, 33, tr.LatencySamples)
	assert.Equal(t, 50.0, *tr.LatencyP50Ms)
}

func fill(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestPhasesFrom(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	nav := time.UnixMilli(1_000_000)
	var p phase.Times
	p.Set(phase.Navigation, f(1_000_100))
	p.Set(phase.WSOpen, f(1_000_300))
	p.Set(phase.FirstFrame, f(1_000_900))
	got, setup := phasesFrom(p, nav)
	require.NotNil(t, setup)
	assert.Equal(t, 800.0, *setup)
	assert.Equal(t, 200.0, *got.Get(phase.WSOpen))
	assert.Nil(t, got.Get(phase.Hello))
	assert.Nil(t, got.Get(phase.Navigation))
	// Without the page's navigation time the harness's clock is the origin.
	var q phase.Times
	q.Set(phase.WSOpen, f(1_000_300))
	got, _ = phasesFrom(q, nav)
	assert.Equal(t, 300.0, *got.Get(phase.WSOpen))
}
