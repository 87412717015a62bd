package reports

import (
	"fmt"
	"math"
	"strconv"

	"echtzeit/harness/results"
	"echtzeit/harness/stats"
)

// How an interval was computed; the report's method note explains both.
const (
	// byRepeats: the percentile bootstrap over the repeats' values (each
	// repeat one value; repeats are independent).
	byRepeats = "repeats"
	// bySeconds: one repeat only, a moving-block bootstrap over its
	// one-second samples inside the measurement window (or over the frames
	// it compared, for picture quality).
	bySeconds = "seconds"
)

// estimate is a mean with its 95 % interval, the n behind it and how the
// interval was computed.
type estimate struct {
	stats.Interval
	method string // byRepeats or bySeconds; "" without an interval
}

// metric is a figure the report summarises per group of trials (sender ×
// resolution) with its interval, and that compare sets side by side.
type metric struct {
	key    string // stable name (compare's verdict table, tests)
	name   string // column title
	unit   string
	digits int
	// higherBetter says which direction is an improvement (compare).
	higherBetter bool
	// gate marks the metrics harness compare --fail-on-regression checks.
	gate bool
	// minAbs is the smallest absolute change compare counts (besides the
	// relative one): below it a change does not matter in practice (0.03 →
	// 0.05 % CPU is +66 %).
	minAbs float64
	// trial is the figure of one trial.
	trial func(results.Trial) (float64, bool)
	// series returns a trial's values inside the measurement window whose
	// mean the trial figure is (nil when the run folder has none): the
	// interval of a single repeat.
	series func(r *run, t results.Trial) []float64
}

// mediaMetrics are the summarised figures of media trials, in column order.
func mediaMetrics(procs []string) []metric {
	ms := []metric{
		{key: "fps", name: "fps", digits: 1, higherBetter: true, gate: true, minAbs: 0.5, trial: fpsMean,
			series: func(r *run, t results.Trial) []float64 {
				return r.viewerSeries(t.Index, func(s results.Sample) float64 { return s.FPS })
			}},
		{key: "setupPage", name: "setup (page clock)", unit: "ms", digits: 0, gate: true, minAbs: 20, trial: setupPageOrHarness},
		{key: "setup", name: "setup (harness clock)", unit: "ms", digits: 0, minAbs: 20, trial: setupMs},
		{key: "latency", name: "latency p50", unit: "ms", digits: 0, gate: true, minAbs: 2, trial: latencyP50,
			series: func(r *run, t results.Trial) []float64 {
				return r.viewerSeries(t.Index, func(s results.Sample) float64 { return s.LatencyMs })
			}},
		{key: "psnr", name: "PSNR", unit: "dB", digits: 1, higherBetter: true, minAbs: 0.2, trial: psnrOf},
		{key: "ssim", name: "SSIM", unit: "", digits: 3, higherBetter: true, minAbs: 0.002, trial: ssimOf},
	}
	for _, p := range procs {
		digits := 1
		if p == results.ProcessSignaling {
			digits = 2 // its figures are small
		}
		ms = append(ms, metric{key: "cpu:" + p, name: "CPU " + p, unit: "%", digits: digits, gate: p != results.ProcessHarness, minAbs: 1,
			trial:  cpuOf(p),
			series: func(r *run, t results.Trial) []float64 { return r.processSeries(t.Index, p) }})
	}
	return ms
}

// setupPageOrHarness is the setup on the page's clock; runs recorded before
// it existed have only the harness's (then the same origin: the page's
// navigation).
func setupPageOrHarness(t results.Trial) (float64, bool) {
	if t.SetupPageMs != nil {
		return *t.SetupPageMs, true
	}
	return deref(t.SetupMs)
}

func psnrOf(t results.Trial) (float64, bool) { return deref(t.PSNRDb) }
func ssimOf(t results.Trial) (float64, bool) { return deref(t.SSIM) }

// summarize returns the mean of m over the successful trials ts with its
// interval: over the repeats when there are at least two, else over the one
// repeat's samples (ok = false when no trial has the figure).
func (r *run) summarize(ts []results.Trial, m metric) (estimate, bool) {
	var vals []float64
	var with []results.Trial
	for _, t := range okTrials(ts) {
		if v, ok := m.trial(t); ok && !math.IsNaN(v) {
			vals = append(vals, v)
			with = append(with, t)
		}
	}
	switch len(vals) {
	case 0:
		return estimate{}, false
	case 1:
		return r.trialEstimate(with[0], m, vals[0]), true
	}
	iv, err := stats.BootstrapMean(vals, stats.BootstrapOptions{})
	if err != nil {
		return estimate{}, false
	}
	return estimate{Interval: iv, method: byRepeats}, true
}

// trialEstimate is one trial's figure v with the interval of its series
// (n = the series' length), or without an interval (n = 1).
func (r *run) trialEstimate(t results.Trial, m metric, v float64) estimate {
	one := estimate{Interval: stats.Interval{Estimate: v, Lo: v, Hi: v, N: 1, Level: stats.DefaultLevel}}
	if lo, hi, n, ok := recordedCI(t, m.key); ok {
		return estimate{Interval: stats.Interval{Estimate: v, Lo: min(lo, v), Hi: max(hi, v), N: n, Level: stats.DefaultLevel}, method: bySeconds}
	}
	if m.series == nil {
		return one
	}
	xs := m.series(r, t)
	if len(xs) < 2 {
		return one
	}
	iv, err := stats.BootstrapMean(xs, stats.BootstrapOptions{Block: stats.SeriesBlock(len(xs))})
	if err != nil {
		return one
	}
	// The trial's figure stays the estimate (fps: frames over the window's
	// time; CPU: ticks over the window), which is close to the mean of its
	// seconds; the interval is the seconds', widened to hold the figure.
	return estimate{Interval: stats.Interval{Estimate: v, Lo: min(iv.Lo, v), Hi: max(iv.Hi, v), N: iv.N, Level: iv.Level}, method: bySeconds}
}

// recordedCI returns an interval the harness recorded in the trial itself
// (picture quality: its values are not in samples.csv).
func recordedCI(t results.Trial, key string) (lo, hi float64, n int, ok bool) {
	var ci *[2]float64
	switch key {
	case "psnr":
		ci = t.PSNRDbCI
	case "ssim":
		ci = t.SSIMCI
	}
	if ci == nil {
		return 0, 0, 0, false
	}
	return ci[0], ci[1], t.QualityFrames, true
}

// viewerSeries returns f of the trial's viewer rows inside the measurement
// window (NaN values left out).
func (r *run) viewerSeries(trial int, f func(results.Sample) float64) []float64 {
	var out []float64
	for _, s := range r.trialSamples(trial) {
		if s.Process != results.ProcessViewer || !s.Measuring {
			continue
		}
		if v := f(s); !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	return out
}

// processSeries returns the CPU values of a process's rows inside the
// trial's measurement window.
func (r *run) processSeries(trial int, process string) []float64 {
	var out []float64
	for _, s := range r.trialSamples(trial) {
		if s.Process == process && s.Measuring && !math.IsNaN(s.CPUPct) {
			out = append(out, s.CPUPct)
		}
	}
	return out
}

// trialSamples returns the samples.csv rows of one trial.
func (r *run) trialSamples(trial int) []results.Sample {
	if r.byTrial == nil {
		r.byTrial = map[int][]results.Sample{}
		for _, s := range r.samples {
			r.byTrial[s.Trial] = append(r.byTrial[s.Trial], s)
		}
	}
	return r.byTrial[trial]
}

// format writes an estimate as "29.9 [29.5–30.1]", or the value alone
// without an interval.
func (e estimate) format(digits int) string {
	v := strconv.FormatFloat(e.Estimate, 'f', digits, 64)
	if !e.HasCI() {
		return v
	}
	return fmt.Sprintf("%s [%s–%s]", v, strconv.FormatFloat(e.Lo, 'f', digits, 64), strconv.FormatFloat(e.Hi, 'f', digits, 64))
}

// nText is the n behind an estimate with its unit: "3 repeats", "8 s".
func (e estimate) nText() string {
	switch e.method {
	case byRepeats:
		return plural(e.N, "repeat")
	case bySeconds:
		return fmt.Sprintf("1 repeat, %d samples", e.N)
	}
	return plural(e.N, "repeat")
}

// intervalNote is the method note of the report's intervals.
func intervalNote() string {
	return fmt.Sprintf("Intervals: every mean is given with its 95 %% confidence interval as \"mean [low–high]\" and the n behind it. "+
		"Where a group has at least two successful repeats, the interval is the percentile bootstrap over the repeats' means "+
		"(%d resamples; each repeat counts once: repeats are independent, seconds within one are not). "+
		"Where it has one, the interval is a moving-block bootstrap over that repeat's one-second samples inside the measurement window "+
		"(blocks of ∛n seconds, so that a stall spanning several seconds is resampled as one; for PSNR and SSIM over the compared frames), "+
		"and n counts the samples. A value without brackets had nothing to resample (one repeat and no series, e.g. a setup time). "+
		"Setup success is a rate with its Wilson score interval. The bootstrap draws from a fixed seed, so re-rendering gives the same numbers; "+
		"with 2–3 repeats the bootstrap interval is narrow (it cannot show more spread than the repeats have): read it as a lower bound of the uncertainty.",
		stats.DefaultResamples)
}
