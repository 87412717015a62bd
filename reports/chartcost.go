package reports

import (
	"fmt"

	"echtzeit/harness/results"
	"echtzeit/harness/stats"
)

// chartBudgetPct is issue #15's budget for the page's live chart: under 2 %
// of a core.
const chartBudgetPct = 2.0

// chartPair is one trial with the chart and its twin without (same params
// and repeat but for params.chart).
type chartPair struct {
	with, without float64 // Chromium's CPU, % of one core
}

// chartKey is a trial's params without the chart setting.
func chartKey(p results.Params) results.Params {
	p.Chart = nil
	return p
}

// chartPairs pairs the successful media trials that differ only in
// params.chart. Repeat 1 is left out: it also pays for Chromium's start.
func chartPairs(media []results.Trial) []chartPair {
	with := map[results.Params]float64{}
	without := map[results.Params]float64{}
	var order []results.Params
	for _, t := range media {
		browser, ok := t.Processes[results.ProcessBrowser]
		if !t.OK || t.Params.Chart == nil || t.Params.Repeat < 2 || !ok {
			continue
		}
		k := chartKey(t.Params)
		if *t.Params.Chart {
			with[k] = browser.CPUPct
			order = append(order, k)
		} else {
			without[k] = browser.CPUPct
		}
	}
	var out []chartPair
	for _, k := range order {
		if w, ok := without[k]; ok {
			out = append(out, chartPair{with: with[k], without: w})
		}
	}
	return out
}

// chartCostSection is "The live chart's cost" for runs that swept
// `charts: [true, false]`: Chromium's CPU with the chart minus without, per
// pair of otherwise equal trials, with its bootstrap interval and the budget.
func chartCostSection(media []results.Trial) []block {
	pairs := chartPairs(media)
	if len(pairs) == 0 {
		return nil
	}
	var diffs, with, without []float64
	for _, p := range pairs {
		diffs = append(diffs, p.with-p.without)
		with = append(with, p.with)
		without = append(without, p.without)
	}
	d, err := stats.BootstrapMean(diffs, stats.BootstrapOptions{})
	if err != nil {
		return nil
	}
	mw, _ := stats.Mean(with)
	mo, _ := stats.Mean(without)
	ci := "no interval from one pair"
	if d.HasCI() {
		ci = fmt.Sprintf("95 %% CI %+.2f to %+.2f", d.Lo, d.Hi)
	}
	verdict := "met"
	switch {
	case d.Hi >= chartBudgetPct && d.Estimate < chartBudgetPct:
		verdict = "not shown: the interval reaches the budget"
	case d.Estimate >= chartBudgetPct:
		verdict = "not met"
	}
	return []block{
		heading{2, "The live chart's cost"},
		para{"Chromium's CPU (% of one core over the measurement window) in trials with the page's live chart and in their twins with chart=0 " +
			"(same sender, format and repeat), repeat 1 left out because it also pays for Chromium's start. " +
			"The difference is taken per pair, so the machine's drift between pairs cancels."},
		table{head: []string{"pairs", "with chart", "without", "difference per pair (mean)", "interval", "budget"}, rows: [][]string{{
			fmt.Sprint(len(pairs)), f2(mw) + " %", f2(mo) + " %", fmt.Sprintf("%+.2f %%", d.Estimate), ci, fmt.Sprintf("< %.0f %% of a core: %s", chartBudgetPct, verdict),
		}}},
	}
}
