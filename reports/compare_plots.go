package reports

import (
	"fmt"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Plots of a comparison: one per gating media figure, A beside B.
const comparePlotPrefix = "compare-"

// errPoints are points with horizontal error bars (a mean and its
// interval).
type errPoints struct {
	plotter.XYs
	plotter.XErrors
}

// comparePlots draws, per compared figure of the media trials (fps, setup,
// latency, CPU), every group's A and B means with their intervals side by
// side.
func comparePlots(c *Comparison) ([]plotResult, error) {
	var keys []string
	for _, r := range c.Rows {
		if r.Gate && !contains(keys, r.Metric) && !isLoadMetric(r.Metric) {
			keys = append(keys, r.Metric)
		}
	}
	var out []plotResult
	for _, key := range keys {
		var rows []CompareRow
		for _, r := range c.Rows {
			if r.Metric == key {
				rows = append(rows, r)
			}
		}
		file := comparePlotPrefix + fileSafe(key) + ".png"
		title := rows[0].Name
		if rows[0].Unit != "" {
			title += " (" + rows[0].Unit + ")"
		}
		png, err := compareBars(title, rows)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", file, err)
		}
		out = append(out, plotResult{file: file, alt: "A beside B: " + title, png: png})
	}
	return out, nil
}

func isLoadMetric(key string) bool { return key == "relayP50" || key == "cpu:signaling" }

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// fileSafe turns a metric key into a file name part ("cpu:camera" →
// "cpu-camera").
func fileSafe(s string) string {
	out := []rune{}
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			out = append(out, r)
		} else {
			out = append(out, '-')
		}
	}
	return string(out)
}

// compareBars draws one row per group (the first at the top) with A's and
// B's mean and 95 % interval; worse groups are marked in the label.
func compareBars(title string, rows []CompareRow) ([]byte, error) {
	n := len(rows)
	p := newPlot("A beside B: "+title+", mean and 95 % interval", title, "")
	p.X.Tick.Marker = cleanTicks{niceTicks{}}
	maxX := 0.0
	for side, name := range []string{"A (baseline)", "B"} {
		pts := errPoints{XYs: make(plotter.XYs, n), XErrors: make(plotter.XErrors, n)}
		for i, r := range rows {
			e := r.A
			if side == 1 {
				e = r.B
			}
			y := float64(n-1-i) + 0.15 - 0.3*float64(side)
			pts.XYs[i] = plotter.XY{X: e.Estimate, Y: y}
			pts.XErrors[i] = struct{ Low, High float64 }{e.Estimate - e.Lo, e.Hi - e.Estimate}
			maxX = max(maxX, e.Hi)
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		eb, err := plotter.NewXErrorBars(pts)
		if err != nil {
			return nil, err
		}
		col := plotutil.Color(side)
		sc.Color, sc.Shape, sc.Radius = col, draw.CircleGlyph{}, vg.Points(3.5)
		eb.Color, eb.Width = col, vg.Points(1.5)
		p.Add(eb, sc)
		p.Legend.Add(name, sc)
	}
	labels := make([]string, n)
	for i, r := range rows {
		label := r.Group
		switch r.Verdict {
		case VerdictWorse:
			label = "worse: " + label
		case VerdictBetter:
			label = "better: " + label
		}
		labels[n-1-i] = label
	}
	p.NominalY(labels...)
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	p.X.Min, p.X.Max = 0, max(1, maxX)*1.3
	p.Add(plotter.NewGrid())
	height := max(plotHeight, vg.Points(float64(90+26*n)))
	return encodePNG(p.Draw, plotWidth, height)
}
