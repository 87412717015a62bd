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

func TestSetupFrom(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	nav := time.UnixMilli(1_000_000)
	var p phase.Times
	p.Set(phase.Navigation, f(1_000_100))
	p.Set(phase.WSOpen, f(1_000_300))
	p.Set(phase.FirstFrame, f(1_000_900))
	st := setupFrom(p, nav)
	require.NotNil(t, st.pageMs)
	require.NotNil(t, st.harnessMs)
	require.NotNil(t, st.navDelayMs)
	assert.Equal(t, 800.0, *st.pageMs, "page clock: from the page's navigation")
	assert.Equal(t, 900.0, *st.harnessMs, "harness clock: from its navigation request")
	assert.Equal(t, 100.0, *st.navDelayMs)
	assert.Equal(t, 200.0, *st.phases.Get(phase.WSOpen))
	assert.Nil(t, st.phases.Get(phase.Hello))
	assert.Nil(t, st.phases.Get(phase.Navigation))
	// Without the page's navigation time the harness's clock is the origin
	// and there is no page-clock figure.
	var q phase.Times
	q.Set(phase.WSOpen, f(1_000_300))
	q.Set(phase.FirstFrame, f(1_000_500))
	st = setupFrom(q, nav)
	assert.Equal(t, 300.0, *st.phases.Get(phase.WSOpen))
	assert.Equal(t, 500.0, *st.harnessMs)
	assert.Nil(t, st.pageMs)
	assert.Nil(t, st.navDelayMs)
	// No first frame: neither clock has a setup time.
	var r phase.Times
	r.Set(phase.Navigation, f(1_000_100))
	st = setupFrom(r, nav)
	assert.Nil(t, st.pageMs)
	assert.Nil(t, st.harnessMs)
}

// TestViewerDelaysAndQuality: the latency's parts come from the inbound
// counters' deltas over the window, the picture quality from the values the
// page added while measuring.
func TestViewerDelaysAndQuality(t *testing.T) {
	start := time.Unix(100, 0)
	v := newViewerSeries(1, start)
	v.frameCode = true
	withDelays := func(s browser.Snapshot, frames float64, q *browser.Quality) browser.Snapshot {
		in := *s.Inbound
		// Per frame: 20 ms in the jitter buffer (target 25), 4 ms decoding,
		// 25 ms from first packet to decoded; 0.5 ms assembly for half the frames.
		in.JitterBufferDelay, in.JitterBufferTargetDelay, in.JitterBufferEmittedCount = frames*0.020, frames*0.025, frames
		in.TotalDecodeTime, in.TotalProcessingDelay = frames*0.004, frames*0.025
		in.TotalAssemblyTime, in.FramesAssembledFromMultiplePackets = frames/2*0.0005, frames/2
		in.RTTMs = 2
		s.Inbound = &in
		s.Quality = q
		return s
	}
	// Before the window: these values must not count.
	v.add(withDelays(snap(1, 9_000, 70, 50_000, 0), 70, &browser.Quality{Frames: 2, PSNRDb: []float64{10, 10}, SSIM: []float64{0.1, 0.1}}), start.Add(time.Second))
	v.startWindow()
	v.add(withDelays(snap(1, 10_000, 100, 100_000, 0), 100, &browser.Quality{Frames: 3, PSNRDb: []float64{10, 10, 40}, SSIM: []float64{0.1, 0.1, 0.95}}),
		start.Add(2*time.Second))
	v.add(withDelays(snap(1, 11_000, 130, 200_000, 0), 130, &browser.Quality{Frames: 5, PSNRDb: []float64{10, 10, 40, 42, 44}, SSIM: []float64{0.1, 0.1, 0.95, 0.96, 0.97}}),
		start.Add(3*time.Second))

	var m results.Measured
	v.fill(&m)
	require.NotNil(t, m.Delays)
	d := m.Delays
	for name, got := range map[string]*float64{"jitter buffer": d.JitterBufferMs, "target": d.JitterBufferTargetMs, "decode": d.DecodeMs,
		"processing": d.ProcessingMs, "assembly": d.AssemblyMs, "network": d.NetworkMs} {
		require.NotNil(t, got, name)
	}
	assert.InDelta(t, 20, *d.JitterBufferMs, 1e-9)
	assert.InDelta(t, 25, *d.JitterBufferTargetMs, 1e-9)
	assert.InDelta(t, 4, *d.DecodeMs, 1e-9)
	assert.InDelta(t, 25, *d.ProcessingMs, 1e-9)
	assert.InDelta(t, 0.5, *d.AssemblyMs, 1e-9)
	assert.InDelta(t, 1, *d.NetworkMs, 1e-9, "half the RTT")
	assert.Nil(t, d.EncodeMs, "the sender's parts come from the sender")

	require.NotNil(t, m.PSNRDb)
	assert.Equal(t, 3, m.QualityFrames, "40, 42, 44: the values added inside the window")
	assert.InDelta(t, 42, *m.PSNRDb, 1e-9)
	assert.InDelta(t, 0.96, *m.SSIM, 1e-9)
	assert.InDelta(t, 40.2, *m.PSNRP5Db, 1e-9)
	require.NotNil(t, m.PSNRDbCI)
	assert.LessOrEqual(t, m.PSNRDbCI[0], 42.0)
	assert.GreaterOrEqual(t, m.PSNRDbCI[1], 42.0)
}

func TestSenderStatsMeans(t *testing.T) {
	a := senderReading{at: time.Unix(0, 0), encoded: 100, encodeSum: 1.0, encodeCount: 100, sendSum: 0.05, sendCount: 100}
	b := senderReading{at: time.Unix(2, 0), encoded: 160, encodeSum: 1.6, encodeCount: 160, sendSum: 0.08, sendCount: 160}
	s := senderStats(a, b)
	require.NotNil(t, s.EncodeMeanMs)
	require.NotNil(t, s.SendMeanMs)
	assert.InDelta(t, 10, *s.EncodeMeanMs, 1e-9, "0.6 s over 60 frames")
	assert.InDelta(t, 0.5, *s.SendMeanMs, 1e-9)
	assert.InDelta(t, 30, s.EncodedFPS, 1e-9)
	// A sender without the sums (an old camera) has no means.
	s = senderStats(senderReading{at: time.Unix(0, 0)}, senderReading{at: time.Unix(1, 0), encoded: 30})
	assert.Nil(t, s.EncodeMeanMs)
	assert.Nil(t, s.SendMeanMs)
}
