package reports

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// stackPart is one layer of a stacked bar chart: its value per bar.
type stackPart struct {
	name string
	vals []float64
}

// stackedBars draws one horizontal bar per name (the first at the top),
// each stacked from parts, with an optional vertical reference line at
// ref (0: none). The chart grows with the number of bars.
func stackedBars(title, xLabel string, names []string, parts []stackPart, ref float64, refLabel string) ([]byte, error) {
	n := len(names)
	p := newPlot(title, xLabel, "")
	p.Y.Tick.Marker = plot.DefaultTicks{}
	p.X.Tick.Marker = cleanTicks{niceTicks{}}
	rev := func(vals []float64) plotter.Values {
		out := make(plotter.Values, n)
		for i := range vals {
			out[n-1-i] = max(0, vals[i])
		}
		return out
	}
	total := make([]float64, n)
	var below *plotter.BarChart
	for i, part := range parts {
		bc, err := plotter.NewBarChart(rev(part.vals), vg.Points(16))
		if err != nil {
			return nil, fmt.Errorf("part %s: %w", part.name, err)
		}
		bc.Horizontal = true
		bc.Color = plotutil.Color(i)
		bc.LineStyle.Width = 0
		if below != nil {
			bc.StackOn(below)
		}
		below = bc
		p.Add(bc)
		p.Legend.Add(part.name, bc)
		for j, v := range part.vals {
			total[j] += max(0, v)
		}
	}
	labels := make([]string, n)
	for i, name := range names {
		labels[n-1-i] = name
	}
	p.NominalY(labels...)
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	maxX := ref
	for _, v := range total {
		maxX = max(maxX, v)
	}
	if ref > 0 {
		l, err := plotter.NewLine(plotter.XYs{{X: ref, Y: -0.6}, {X: ref, Y: float64(n) - 0.4}})
		if err != nil {
			return nil, fmt.Errorf("reference line: %w", err)
		}
		l.Color, l.Width, l.Dashes = color.Color(thesisColor), vg.Points(1.2), []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(refLabel, l)
	}
	// Room on the right for the legend.
	p.X.Min, p.X.Max = 0, max(1, maxX)*1.45
	height := max(plotHeight, vg.Points(float64(90+22*n)))
	return encodePNG(p.Draw, plotWidth, height)
}
