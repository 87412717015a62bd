package reports

import (
	"bytes"
	"image/png"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/results"
)

// stepSamples models a sender over the step profile: capacity 5 → 1 → 5
// Mbit/s at 10 s and 20 s of the trial (one link row a second); the
// latency climbs after the drop and is back under 200 ms 3 s later; the
// bitrate reaches 70 % of the link 4 s after the rise.
func stepSamples(trial int) []results.Sample {
	var out []results.Sample
	for s := 1; s <= 30; s++ {
		t := float64(s)
		link := results.NewSample(trial, results.ProcessLink)
		link.T, link.Measuring = t, s > 2
		link.LinkKbps = 5000
		if s >= 10 && s < 20 {
			link.LinkKbps = 1000
		}
		v := results.NewSample(trial, results.ProcessViewer)
		v.T, v.Measuring, v.FPS = t, s > 2, 30
		v.LatencyMs, v.BitrateKbps, v.RTTMs = 60, 4000, 45
		switch {
		case s >= 10 && s < 13:
			v.LatencyMs, v.BitrateKbps = 900, 1000
		case s >= 13 && s < 20:
			v.BitrateKbps = 900
		case s >= 20 && s < 24:
			v.BitrateKbps = 2000
		}
		snd := results.NewSample(trial, results.ProcessSender)
		snd.T, snd.Measuring, snd.BitrateKbps, snd.TargetKbps = t, s > 2, v.BitrateKbps, v.BitrateKbps*1.1
		out = append(out, link, v, snd)
	}
	return out
}

func TestStepRecovery(t *testing.T) {
	rec := stepRecovery(4, stepSamples(4))
	require.True(t, rec.dropped)
	require.True(t, rec.rose)
	assert.Equal(t, 10.0, rec.dropAt)
	assert.Equal(t, 1000.0, rec.dropTo)
	assert.Equal(t, 20.0, rec.riseAt)
	assert.Equal(t, 5000.0, rec.riseTo)
	assert.True(t, rec.latencyFound)
	assert.Equal(t, 3.0, rec.latencyBack)
	assert.True(t, rec.bitrateFound)
	assert.Equal(t, 3500.0, rec.bitrateGoal, "70 % of 5 Mbit/s (below 90 % of the 4 Mbit/s before the drop)")
	assert.Equal(t, 4.0, rec.bitrateBack)
	assert.True(t, rec.hasLatency)

	// A sender that never needed the link: the goal is 90 % of its bitrate
	// before the drop; without frame codes there is no latency.
	var small []results.Sample
	for _, s := range stepSamples(5) {
		if s.Process == results.ProcessViewer {
			s.BitrateKbps, s.LatencyMs = math.Min(s.BitrateKbps, 800), math.NaN()
		}
		small = append(small, s)
	}
	rec = stepRecovery(5, small)
	assert.Equal(t, 720.0, rec.bitrateGoal)
	assert.False(t, rec.hasLatency)
	assert.True(t, rec.bitrateFound)
	assert.Equal(t, 1.0, rec.bitrateBack)

	flat := stepRecovery(1, []results.Sample{{Trial: 1, Process: results.ProcessLink, T: 1, LinkKbps: 768}, {Trial: 1, Process: results.ProcessLink, T: 2, LinkKbps: 768}})
	assert.False(t, flat.dropped || flat.rose)
}

func TestJudge(t *testing.T) {
	good := figures{ok: 1, n: 1, fps: 29, latP95: 120, freezeMs: 0, sent: 700, link: 768}
	ok, why := judge(good)
	assert.True(t, ok, why)
	bad := figures{ok: 1, n: 1, fps: 9, latP95: 1900, freezeMs: 2500, sent: 1500, link: 768}
	ok, why = judge(bad)
	assert.False(t, ok)
	assert.Equal(t, []string{"9.0 fps is below 15", "latency p95 1900 ms", "frozen 2.5 s", "sends 195 % of the link"}, why)
	ok, why = judge(figures{n: 2, failReason: "timeout"})
	assert.False(t, ok)
	assert.Equal(t, []string{"no trial succeeded (timeout)"}, why)
	unmeasured := figures{ok: 1, n: 1, fps: 30, latP95: math.NaN(), freezeMs: 0, sent: math.NaN(), link: math.NaN()}
	ok, _ = judge(unmeasured)
	assert.True(t, ok, "figures a sender cannot have do not count against it")
}

// TestRenderNetworks renders a run with trials over lan, 3g and step: the
// network trials get their section (table, verdict, a time-series plot
// each), while the thesis comparison and the per-resolution plots keep to
// the lan trials.
func TestRenderNetworks(t *testing.T) {
	env := results.Environment{Scenario: "networks", StartTime: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), CPUModel: "test CPU", Cores: 2}
	p := func(v float64) *float64 { return &v }
	trial := func(i int, kind results.Kind, sender, network string, fps, latP95, sent float64) results.Trial {
		tr := results.Trial{Index: i, Kind: kind, OK: true,
			Params: results.Params{Width: 1280, Height: 720, Resolution: "1280x720", Codec: "vp8", Sender: sender, FPS: 30, Repeat: 1,
				Network: network, ViewerNetwork: "lan"}}
		tr.Name = kind.String() + " 1280x720 vp8 over " + network + " #1"
		tr.FPSMean, tr.FPSP5, tr.BitrateKbps = fps, fps-5, math.Min(sent, 700)
		tr.LatencyP50Ms, tr.LatencyP95Ms, tr.RTTMs = p(latP95/2), p(latP95), p(160)
		tr.Sender = &results.SenderStats{Source: "camera-metrics", BitrateKbps: p(sent)}
		if network != "lan" {
			tr.LinkKbps = p(768)
		}
		return tr
	}
	trials := []results.Trial{
		trial(0, results.KindCameraToBrowser, results.SenderEchtzeit, "lan", 30, 60, 2500),
		trial(1, results.KindCameraToBrowser, results.SenderEchtzeit, "3g", 11, 1800, 1400),
		trial(2, results.KindBrowserToBrowser, results.SenderChromium, "3g", 24, 250, 600),
		trial(3, results.KindCameraToBrowser, results.SenderEchtzeit, "step", 29, 300, 3000),
	}
	trials[3].LinkKbps = p(3000)
	dir := writeRun(t, env, trials)
	var samples []results.Sample
	for _, tr := range trials[:3] {
		for s := 1; s <= 10; s++ {
			v := results.NewSample(tr.Index, results.ProcessViewer)
			v.T, v.Measuring, v.FPS, v.BitrateKbps, v.LatencyMs = float64(s), s > 2, tr.FPSMean, tr.BitrateKbps, *tr.LatencyP50Ms
			l := results.NewSample(tr.Index, results.ProcessLink)
			l.T, l.LinkKbps = float64(s), 768
			samples = append(samples, v, l)
		}
	}
	samples = append(samples, stepSamples(3)...)
	w, err := results.OpenSampleWriter(filepath.Join(dir, results.FileSamples))
	require.NoError(t, err)
	for _, s := range samples {
		require.NoError(t, w.Write(s))
	}
	require.NoError(t, w.Close())
	require.NoError(t, Render(dir))

	md := string(readFile(t, filepath.Join(dir, FileMarkdown)))
	net := md[strings.Index(md, "## Networks"):]
	net = net[:strings.Index(net, "\n## ")]
	for _, want := range []string{
		"### lan", "### 3g", "### step",
		"Up 768kbit, 75ms ± 10ms, 1% loss",
		"| camera VP8 | 1280x720 | 1/1 | 11.0 |",
		"| browser VP8 | 1280x720 | 1/1 | 24.0 |",
		"Over 3g, usable: browser VP8 at 1280×720 (24.0 fps). Not usable: camera VP8 at 1280×720: 11.0 fps is below 15, latency p95 1800 ms, sends 182 % of the link.",
		"Trial #3 (camera VP8 at 1280×720): the capacity fell to 1000 kbit/s at 10 s and the latency was below 200 ms again 3.0 s later; " +
			"it rose to 5000 kbit/s at 20 s and the received bitrate reached 3500 kbit/s 4.0 s later.",
		"](series-1.png)", "](series-3.png)",
	} {
		assert.Contains(t, net, want)
	}
	// The trials table lists every trial with its network; the one-second
	// frame rates (like the plots and the thesis comparison) pool only the
	// lan trial: 8 seconds of it, none of the 3g or step trials.
	assert.Contains(t, md, "| 1 | 1280x720 | VP8 | – | 1 | ok |")
	assert.Contains(t, md, "| 3g |")
	rates := md[strings.Index(md, "## One-second frame rates"):]
	rates = rates[:strings.Index(rates[3:], "\n## ")+3]
	assert.Contains(t, rates, "| camera VP8 | 1280x720 | 8 |")
	assert.NotContains(t, rates, "browser VP8")
	for i := range 4 {
		img, err := png.Decode(bytes.NewReader(readFile(t, filepath.Join(dir, seriesFile(i)))))
		require.NoError(t, err, "series %d", i)
		assert.Equal(t, 768, img.Bounds().Dx())
		assert.Equal(t, 768, img.Bounds().Dy())
	}
	// A second rendering without the step trial removes its plot.
	require.NoError(t, Render(dir))
	assert.FileExists(t, filepath.Join(dir, seriesFile(3)))
}

// TestCongestionControlComparison: a camera swept over congestion control
// gets one row per setting in its profile's table and a sentence that sets
// gcc beside off.
func TestCongestionControlComparison(t *testing.T) {
	p := func(v float64) *float64 { return &v }
	trial := func(i int, cc string, fps, freezeMs, sent, target float64) results.Trial {
		tr := results.Trial{Index: i, Kind: results.KindCameraToBrowser, OK: true,
			Params: results.Params{Width: 1280, Height: 720, Resolution: "1280x720", Codec: "vp8", Sender: results.SenderEchtzeit,
				FPS: 30, Repeat: 1, Network: "3g", ViewerNetwork: "lan", CongestionControl: cc}}
		tr.FPSMean, tr.FreezeDurationMs, tr.BitrateKbps = fps, freezeMs, math.Min(sent, 760)
		tr.LatencyP50Ms, tr.LatencyP95Ms, tr.LinkKbps = p(100), p(250), p(768)
		tr.Sender = &results.SenderStats{BitrateKbps: p(sent)}
		if target > 0 {
			tr.Sender.TargetBitrateKbps = p(target)
		}
		return tr
	}
	ts := []results.Trial{trial(1, "off", 9, 4200, 2200, 0), trial(0, "gcc", 29, 0, 700, 610)}
	gs := netGroups(ts)
	labels := sendersOf(ts).labels
	require.Len(t, gs, 2)
	assert.Equal(t, "camera VP8 gcc", labels[gs[0].sender], "gcc first")
	assert.Equal(t, "camera VP8 cc off", labels[gs[1].sender])
	assert.Equal(t, []string{"At 1280×720, camera VP8 gcc sent 91 % of the link (target 610 kbit/s) at 29.0 fps with 0 ms frozen and a latency p95 of 250 ms; " +
		"camera VP8 cc off sent 286 % at 9.0 fps with 4200 ms frozen and 250 ms."}, ccSentences(gs, labels))
	assert.Empty(t, ccSentences(gs[:1], labels), "no off to compare with")
}
