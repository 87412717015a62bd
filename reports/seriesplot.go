package reports

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"echtzeit/harness/results"
)

// Size of a trial's time-series plot: three panels, 8 × 8 inches.
const seriesHeight = 8 * vg.Inch

var (
	linkColor   = color.RGBA{A: 255}                         // black: the capacity
	windowColor = color.RGBA{R: 150, G: 150, B: 150, A: 255} // grey: the window's start
)

// seriesPlots draws the once-a-second series of every trial that ran over
// an emulated network against its link's capacity over time (samples.csv):
// bitrates (received, sent, the sender's target, the link's capacity),
// frames per second, and latency with the round trip.
func seriesPlots(r *run) ([]plotResult, error) {
	var out []plotResult
	for _, t := range r.networked() {
		file := seriesFile(t.Index)
		alt := fmt.Sprintf("Trial #%d, %s: bitrate, fps and latency once a second against the link's capacity", t.Index, trialName(t))
		rows := trialRows(r.samples, t.Index)
		if len(rows[results.ProcessViewer]) == 0 {
			out = append(out, plotResult{file: file, alt: alt, skipped: "the trial has no viewer samples"})
			continue
		}
		png, err := seriesPNG(t, rows)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", file, err)
		}
		out = append(out, plotResult{file: file, alt: alt, png: png})
	}
	return out, nil
}

// trialRows returns a trial's samples by process.
func trialRows(samples []results.Sample, trial int) map[string][]results.Sample {
	out := map[string][]results.Sample{}
	for _, s := range samples {
		if s.Trial == trial {
			out[s.Process] = append(out[s.Process], s)
		}
	}
	return out
}

// points returns (t_s, f(row)) of the rows where f is a number.
func points(rows []results.Sample, f func(results.Sample) float64) plotter.XYs {
	var out plotter.XYs
	for _, s := range rows {
		if v := f(s); !math.IsNaN(v) && !math.IsInf(v, 0) && !math.IsNaN(s.T) {
			out = append(out, plotter.XY{X: s.T, Y: v})
		}
	}
	return out
}

// seriesLine is one line of a series panel.
type seriesLine struct {
	label string
	xys   plotter.XYs
	color color.Color
	step  bool
}

// addLines adds the lines that have points and returns how many it added.
func addLines(p *plot.Plot, lines []seriesLine) (int, error) {
	n := 0
	for i, l := range lines {
		if len(l.xys) == 0 {
			continue
		}
		ln, err := plotter.NewLine(l.xys)
		if err != nil {
			return n, fmt.Errorf("line %s: %w", l.label, err)
		}
		n++
		ln.Color, ln.Width = plotutil.Color(i), vg.Points(1.5)
		if l.color != nil {
			ln.Color = l.color
		}
		if l.step {
			ln.StepStyle = plotter.PreStep
			ln.Width = vg.Points(2)
		}
		p.Add(ln)
		p.Legend.Add(l.label, ln)
	}
	return n, nil
}

// windowStart is the t_s of the first row inside the measurement window.
func windowStart(rows []results.Sample) (float64, bool) {
	for _, s := range rows {
		if s.Measuring {
			return s.T, true
		}
	}
	return 0, false
}

func vline(p *plot.Plot, x float64) error {
	l, err := plotter.NewLine(plotter.XYs{{X: x, Y: p.Y.Min}, {X: x, Y: p.Y.Max}})
	if err != nil {
		return err
	}
	l.Color, l.Dashes = windowColor, []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(l)
	return nil
}

func seriesPNG(t results.Trial, rows map[string][]results.Sample) ([]byte, error) {
	viewer, link, snd := rows[results.ProcessViewer], rows[results.ProcessLink], rows[results.ProcessSender]
	rate := newPlot(fmt.Sprintf("#%d %s", t.Index, trialName(t)), "", "kbit/s")
	fps := newPlot("", "", "frames per second")
	lat := newPlot("", "seconds since the trial's start", "ms")
	var entries [3]int
	var err error
	entries[0], err = addLines(rate, []seriesLine{
		{label: "link capacity", xys: points(link, func(s results.Sample) float64 { return s.LinkKbps }), color: linkColor, step: true},
		{label: "received", xys: points(viewer, func(s results.Sample) float64 { return s.BitrateKbps })},
		{label: "sent", xys: points(snd, func(s results.Sample) float64 { return s.BitrateKbps })},
		{label: "sender's target", xys: points(snd, func(s results.Sample) float64 { return s.TargetKbps })},
	})
	if err == nil {
		entries[1], err = addLines(fps, []seriesLine{{label: "fps", xys: points(viewer, func(s results.Sample) float64 { return s.FPS })}})
		entries[1]++ // the 15 fps line
	}
	if err == nil {
		entries[2], err = addLines(lat, []seriesLine{
			{label: "latency (frame code, median)", xys: points(viewer, func(s results.Sample) float64 { return s.LatencyMs })},
			{label: "RTT", xys: points(viewer, func(s results.Sample) float64 { return s.RTTMs })},
		})
	}
	if err != nil {
		return nil, err
	}
	panels := []*plot.Plot{rate, fps, lat}
	x0, x1 := math.Inf(1), math.Inf(-1)
	for i, p := range panels {
		if math.IsInf(p.Y.Max, 0) || math.IsInf(p.Y.Min, 0) { // an empty panel
			p.Y.Min, p.Y.Max = 0, 1
		}
		if i == 1 {
			p.Y.Max = math.Max(p.Y.Max, thesisTargetFPS)
		}
		// Room above the data for the legend, in a panel a third as tall as
		// a whole plot.
		headroom(p, p.Y.Max, 3*entries[i])
		if !math.IsInf(p.X.Min, 0) && !math.IsInf(p.X.Max, 0) {
			x0, x1 = math.Min(x0, p.X.Min), math.Max(x1, p.X.Max)
		}
	}
	if x0 >= x1 {
		x0, x1 = 0, 1
	}
	if start, ok := windowStart(viewer); ok {
		for _, p := range panels {
			if err := vline(p, start); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range panels {
		p.X.Min, p.X.Max = x0, x1
	}
	if err := hline(fps, thesisTargetFPS, x0, x1, "15 fps (thesis target)", failedColor); err != nil {
		return nil, err
	}
	return encodePNG(func(c draw.Canvas) {
		tiles := draw.Tiles{Rows: 3, Cols: 1, PadY: vg.Points(6), PadTop: vg.Points(4), PadBottom: vg.Points(4)}
		grid := plot.Align([][]*plot.Plot{{rate}, {fps}, {lat}}, tiles, c)
		for i, p := range panels {
			p.Draw(grid[i][0])
		}
	}, plotWidth, seriesHeight)
}
