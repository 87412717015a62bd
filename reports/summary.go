package reports

import (
	"fmt"

	"echtzeit/harness/results"
	"echtzeit/harness/stats"
)

// summaryTable is one row per sender and resolution: the share of trials
// set up (Wilson interval) and every summarised figure as mean [95 % CI].
func summaryTable(r *run, media []results.Trial) table {
	ms := summaryMetrics(media)
	head := []string{"sender", "resolution", "set up", "n"}
	for _, m := range ms {
		h := m.name
		if m.unit != "" {
			h += " " + m.unit
		}
		head = append(head, h)
	}
	right := make([]bool, len(head))
	for i := 2; i < len(right); i++ {
		right[i] = true
	}
	set := sendersOf(media)
	var rows [][]string
	for _, g := range groups(media) {
		ok := g.ok()
		row := []string{set.labels[g.sender], g.res.String(), setupRate(g.trials), plural(len(ok), "repeat")}
		for _, m := range ms {
			e, has := r.summarize(g.trials, m)
			if !has {
				row = append(row, dash)
				continue
			}
			cell := e.format(m.digits)
			if e.method == bySeconds {
				cell += fmt.Sprintf(" (%d s)", e.N)
				if m.key == "psnr" || m.key == "ssim" {
					cell = e.format(m.digits) + fmt.Sprintf(" (%d frames)", e.N)
				}
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
	}
	return table{head: head, rows: rows, right: right}
}

// summaryMetrics are the metrics with a value in at least one trial.
func summaryMetrics(media []results.Trial) []metric {
	var out []metric
	for _, m := range mediaMetrics(processNames(media)) {
		if len(values(okTrials(media), m.trial)) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// setupRate is "k/n [lo–hi %]": the share of trials that reached their
// first frame with its Wilson score interval.
func setupRate(ts []results.Trial) string {
	k := len(values(ts, setupMs))
	iv, err := stats.WilsonInterval(k, len(ts), stats.DefaultLevel)
	if err != nil {
		return dash
	}
	return fmt.Sprintf("%d/%d [%.0f–%.0f %%]", k, len(ts), iv.Lo*100, iv.Hi*100)
}
