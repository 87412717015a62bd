package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"echtzeit/harness/results"
	"echtzeit/harness/stats"
)

// Files Compare writes into its output folder.
const (
	FileCompareMarkdown = "compare.md"
	FileCompareHTML     = "compare.html"
)

// Verdicts of a compared metric.
const (
	VerdictBetter   = "better"
	VerdictWorse    = "worse"
	VerdictNoChange = "no change"
)

// CompareOptions tune Compare.
type CompareOptions struct {
	// MinChange is the smallest relative change (0.05 = 5 %) that counts
	// as better or worse, besides the interval of the difference excluding
	// zero: a real but tiny change is "no change". 0 means 5 %.
	MinChange float64
}

// CompareRow is one metric of one group of matched trials in both runs.
type CompareRow struct {
	// Group names the trials' parameters ("camera-to-browser 1280x720 vp8
	// synthetic 30fps").
	Group  string
	Metric string // the metric's key (fps, setupPage, latency, psnr, ssim, cpu:camera, ...)
	Name   string // its name in the report
	Unit   string
	A, B   estimate
	// Diff is mean(B) − mean(A) with its 95 % interval (no interval when a
	// side has a single value and no series to resample).
	Diff stats.Interval
	// ChangePct is the change relative to A in percent.
	ChangePct float64
	Verdict   string
	// Why says how the verdict was reached when it is not plain (no
	// interval, a change below MinChange).
	Why string
	// Gate is true for the metrics --fail-on-regression checks.
	Gate bool
}

// Regression reports whether the row is a gating metric that got worse.
func (c CompareRow) Regression() bool { return c.Gate && c.Verdict == VerdictWorse }

// Comparison is the result of Compare.
type Comparison struct {
	A, B results.Environment
	Rows []CompareRow
	// OnlyA and OnlyB are the groups one run has and the other not.
	OnlyA, OnlyB []string
}

// Regressions returns the rows of gating metrics that got worse.
func (c *Comparison) Regressions() []CompareRow {
	var out []CompareRow
	for _, r := range c.Rows {
		if r.Regression() {
			out = append(out, r)
		}
	}
	return out
}

// Compare reads the run folders dirA (the baseline) and dirB, matches their
// trials by parameters (every parameter but the repeat), compares each
// metric of each group and writes compare.md, compare.html and the plots
// of A beside B into outDir.
func Compare(dirA, dirB, outDir string, opts CompareOptions) (*Comparison, error) {
	if opts.MinChange <= 0 {
		opts.MinChange = 0.05
	}
	a, err := loadRun(dirA)
	if err != nil {
		return nil, err
	}
	b, err := loadRun(dirB)
	if err != nil {
		return nil, err
	}
	c := compareRuns(a, b, opts)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("create comparison folder: %w", err)
	}
	plots, err := comparePlots(c)
	if err != nil {
		return nil, err
	}
	images := map[string][]byte{}
	for _, p := range plots {
		if p.png == nil {
			continue
		}
		images[p.file] = p.png
		if err := os.WriteFile(filepath.Join(outDir, p.file), p.png, 0o644); err != nil {
			return nil, fmt.Errorf("write plot: %w", err)
		}
	}
	doc := compareDocument(c, dirA, dirB, plots, opts)
	if err := os.WriteFile(filepath.Join(outDir, FileCompareMarkdown), doc.markdown(), 0o644); err != nil {
		return nil, fmt.Errorf("write comparison: %w", err)
	}
	if err := os.WriteFile(filepath.Join(outDir, FileCompareHTML), doc.html(images), 0o644); err != nil {
		return nil, fmt.Errorf("write comparison: %w", err)
	}
	return c, nil
}

// matchKey is a trial's parameters without the repeat: trials of two runs
// with the same key measured the same thing. It is the JSON of the
// parameters, so parameters added later take part without a change here.
func matchKey(t results.Trial) string {
	p := t.Params
	p.Repeat = 0
	b, err := json.Marshal(struct {
		Kind   results.Kind   `json:"kind"`
		Remote bool           `json:"remote"`
		Params results.Params `json:"params"`
	}{t.Kind, t.Remote, p})
	if err != nil {
		return t.Name
	}
	return string(b)
}

// groupName is the readable name of a match key's trials.
func groupName(t results.Trial) string {
	name := t.Name
	if i := strings.LastIndex(name, " #"); i > 0 {
		name = name[:i]
	}
	if name == "" {
		name = strings.TrimSuffix(trialName(t), fmt.Sprintf(" #%d", t.Params.Repeat))
	}
	return name
}

// keyed groups trials by match key, in run order.
type keyed struct {
	keys   []string
	trials map[string][]results.Trial
	names  map[string]string
}

func byKey(ts []results.Trial) keyed {
	k := keyed{trials: map[string][]results.Trial{}, names: map[string]string{}}
	for _, t := range ts {
		key := matchKey(t)
		if _, ok := k.trials[key]; !ok {
			k.keys = append(k.keys, key)
			k.names[key] = groupName(t)
		}
		k.trials[key] = append(k.trials[key], t)
	}
	return k
}

func compareRuns(a, b *run, opts CompareOptions) *Comparison {
	c := &Comparison{A: a.env, B: b.env}
	ka, kb := byKey(a.trials), byKey(b.trials)
	for _, key := range ka.keys {
		tb, ok := kb.trials[key]
		if !ok {
			c.OnlyA = append(c.OnlyA, ka.names[key])
			continue
		}
		ta := ka.trials[key]
		for _, m := range compareMetrics(ta[0].Kind, append(slices.Clone(ta), tb...)) {
			row, ok := compareMetric(a, b, ta, tb, m, opts)
			if ok {
				row.Group = ka.names[key]
				c.Rows = append(c.Rows, row)
			}
		}
	}
	for _, key := range kb.keys {
		if _, ok := ka.trials[key]; !ok {
			c.OnlyB = append(c.OnlyB, kb.names[key])
		}
	}
	return c
}

// compareMetrics are the metrics compared for trials of kind k.
func compareMetrics(k results.Kind, ts []results.Trial) []metric {
	if isMedia(k) {
		return mediaMetrics(processNames(ts))
	}
	if k != results.KindSignalingLoad {
		return nil
	}
	load := func(f func(*results.SignalingLoad) float64) func(results.Trial) (float64, bool) {
		return func(t results.Trial) (float64, bool) {
			if t.Signaling == nil {
				return 0, false
			}
			return f(t.Signaling), true
		}
	}
	cpu := mediaMetrics([]string{results.ProcessSignaling})
	return []metric{
		cpu[len(cpu)-1],
		{key: "delivered", name: "delivered/s", unit: "/s", digits: 1, higherBetter: true, minAbs: 1,
			trial: load(func(s *results.SignalingLoad) float64 { return s.MessagesPerSecond })},
		{key: "relayP50", name: "relay p50", unit: "ms", digits: 2, gate: true, minAbs: 0.2,
			trial: func(t results.Trial) (float64, bool) {
				if t.Signaling == nil || t.Signaling.MessagesDelivered == 0 {
					return 0, false
				}
				return t.Signaling.RelayLatencyP50Ms, true
			}},
	}
}

// sideValues are the values a side's interval is computed from: the
// repeats' figures when there are at least two, else the single repeat's
// series (block bootstrap), else the one figure.
func sideValues(r *run, ts []results.Trial, m metric) (vals []float64, block int) {
	var with []results.Trial
	for _, t := range okTrials(ts) {
		if v, ok := m.trial(t); ok && !math.IsNaN(v) {
			vals = append(vals, v)
			with = append(with, t)
		}
	}
	if len(vals) != 1 || m.series == nil {
		return vals, 1
	}
	if xs := m.series(r, with[0]); len(xs) >= 2 {
		return xs, stats.SeriesBlock(len(xs))
	}
	return vals, 1
}

func compareMetric(a, b *run, ta, tb []results.Trial, m metric, opts CompareOptions) (CompareRow, bool) {
	ea, okA := a.summarize(ta, m)
	eb, okB := b.summarize(tb, m)
	if !okA || !okB {
		return CompareRow{}, false
	}
	row := CompareRow{Metric: m.key, Name: m.name, Unit: m.unit, A: ea, B: eb, Gate: m.gate}
	va, blockA := sideValues(a, ta, m)
	vb, blockB := sideValues(b, tb, m)
	diff, err := stats.BootstrapMeanDiff(va, vb, stats.BootstrapOptions{Block: max(blockA, blockB)})
	if err != nil {
		return CompareRow{}, false
	}
	// The difference of the figures themselves (a series' mean may differ a
	// little from the trial's figure), with the interval of the series.
	d := eb.Estimate - ea.Estimate
	row.Diff = stats.Interval{Estimate: d, Lo: diff.Lo - diff.Estimate + d, Hi: diff.Hi - diff.Estimate + d, N: diff.N, Level: diff.Level}
	if ea.Estimate != 0 {
		row.ChangePct = d / math.Abs(ea.Estimate) * 100
	}
	row.Verdict = VerdictNoChange
	switch {
	case !diff.HasCI():
		row.Why = "no interval (one value per run)"
	case row.Diff.Contains(0):
		row.Why = ""
	case math.Abs(row.ChangePct) < opts.MinChange*100:
		row.Why = fmt.Sprintf("below %.0f %%", opts.MinChange*100)
	case math.Abs(d) < m.minAbs:
		row.Why = fmt.Sprintf("below %s %s", strconv.FormatFloat(m.minAbs, 'f', -1, 64), m.unit)
	case (d > 0) == m.higherBetter:
		row.Verdict = VerdictBetter
	default:
		row.Verdict = VerdictWorse
	}
	return row, true
}

// compareDocument is the comparison as a report.
func compareDocument(c *Comparison, dirA, dirB string, plots []plotResult, opts CompareOptions) *document {
	d := &document{title: fmt.Sprintf("echtzeit comparison: %s → %s", filepath.Base(dirA), filepath.Base(dirB))}
	counts := map[string]int{}
	for _, r := range c.Rows {
		counts[r.Verdict]++
	}
	d.add(para{fmt.Sprintf("A (baseline): %s, scenario %q, %s, commit %s. B: %s, scenario %q, %s, commit %s.",
		dirA, orDash(c.A.Scenario), stamp(c.A.StartTime), orDash(shortCommit(c.A)),
		dirB, orDash(c.B.Scenario), stamp(c.B.StartTime), orDash(shortCommit(c.B)))})
	d.add(para{fmt.Sprintf("%d figures compared: %d better, %d worse, %d no change. Gating regressions (fps, setup, latency, CPU, relay latency that got worse): %d.",
		len(c.Rows), counts[VerdictBetter], counts[VerdictWorse], counts[VerdictNoChange], len(c.Regressions()))})
	if regs := c.Regressions(); len(regs) > 0 {
		var items []string
		for _, r := range regs {
			items = append(items, fmt.Sprintf("%s: %s %s → %s (%+.1f %%)", r.Group, r.Name, r.A.format(digitsOf(r)),
				strings.TrimSpace(r.B.format(digitsOf(r))+" "+r.Unit), r.ChangePct))
		}
		d.add(heading{2, "Regressions"}, list{items})
	}
	if len(c.OnlyA) > 0 || len(c.OnlyB) > 0 {
		var items []string
		for _, g := range c.OnlyA {
			items = append(items, "only in A: "+g)
		}
		for _, g := range c.OnlyB {
			items = append(items, "only in B: "+g)
		}
		d.add(heading{2, "Trials without a match"}, list{items})
	}
	d.add(heading{2, "Method"})
	d.add(para{fmt.Sprintf("Trials are matched by every parameter but the repeat (kind, sender, source, codec, resolution, frame rate, participants, and any "+
		"axis added later). Per figure: A and B as mean [95 %% interval] (as in the reports), the change in percent of A, and the 95 %% interval of "+
		"the difference B − A: a percentile bootstrap of the difference of means, each run resampled on its own — over its repeats when it has at least "+
		"two, else over its single repeat's one-second samples in blocks. The verdict is better or worse only when that interval excludes 0 and the "+
		"change is at least %.0f %%; a figure with one value per run and no series (a setup time of a single repeat) has no interval and is never "+
		"a regression — run at least two repeats to compare setup times. Changes too small to matter are no change too: under 0.5 fps, 20 ms of setup, "+
		"2 ms of latency, 1 %% of a core, 0.2 dB PSNR, 0.002 SSIM. harness compare --fail-on-regression exits with status 1 when a gating figure "+
		"(fps, setup on the page's clock, latency, CPU, signaling relay latency) is worse.", opts.MinChange*100)})
	d.add(heading{2, "Figures"})
	head := []string{"trials", "figure", "A", "B", "change", "B − A [95 % CI]", "verdict"}
	var rows [][]string
	for _, r := range c.Rows {
		verdict := r.Verdict
		if r.Why != "" {
			verdict += " (" + r.Why + ")"
		}
		name := r.Name
		if r.Unit != "" {
			name += " (" + r.Unit + ")"
		}
		dg := digitsOf(r)
		diff := estimate{Interval: r.Diff}.format(dg)
		rows = append(rows, []string{r.Group, name, r.A.format(dg) + " (" + r.A.nText() + ")", r.B.format(dg) + " (" + r.B.nText() + ")",
			fmt.Sprintf("%+.1f %%", r.ChangePct), diff, verdict})
	}
	d.add(table{head: head, rows: rows, right: []bool{false, false, true, true, true, true, false}})
	d.add(heading{2, "Plots"})
	for _, p := range plots {
		if p.png == nil {
			d.add(para{fmt.Sprintf("%s: not drawn — %s.", p.alt, p.skipped)})
			continue
		}
		d.add(figure{file: p.file, alt: p.alt})
	}
	return d
}

func digitsOf(r CompareRow) int {
	for _, m := range mediaMetrics(nil) {
		if m.key == r.Metric {
			return m.digits
		}
	}
	switch {
	case strings.HasPrefix(r.Metric, "cpu:signaling"), r.Metric == "relayP50":
		return 2
	case strings.HasPrefix(r.Metric, "cpu:"), r.Metric == "delivered":
		return 1
	}
	return 1
}

func shortCommit(e results.Environment) string {
	c := e.GitCommit
	if len(c) > 12 {
		c = c[:12]
	}
	if e.GitDirty {
		c += "+dirty"
	}
	return c
}

// ErrRegression is returned by callers that fail on a regression.
var ErrRegression = errors.New("regression")
