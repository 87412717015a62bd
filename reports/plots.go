package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"echtzeit/harness/results"
)

// Plot files written into the run folder.
const (
	PlotFPS       = "fps-vs-resolution.png"
	PlotSetup     = "setup-time.png"
	PlotCPU       = "cpu-vs-resolution.png"
	PlotLatency   = "latency-vs-resolution.png"
	PlotSignaling = "signaling-load.png"
)

// PlotFiles lists every plot Render may write, in the report's order.
var PlotFiles = []string{PlotFPS, PlotSetup, PlotSetupBreakdown, PlotCPU, PlotLatency, PlotLatencyBreakdown, PlotQuality, PlotSignaling}

// Plot size: 8 × 5 inches at 96 dpi (768 × 480 pixels); the signaling plot
// has two panels and is 8 × 8 inches (768 × 768).
const (
	plotDPI      = 96
	plotWidth    = 8 * vg.Inch
	plotHeight   = 5 * vg.Inch
	plotHeight2x = 8 * vg.Inch
)

// Thesis figures drawn into the plots (SPEC §5).
const (
	thesisTargetFPS       = 15 // §4.2: at least 15 fps on average at 720×480
	thesisSignalingMaxPct = 1  // §5: below 1 % CPU with 50 users
	thesisSignalingUsers  = 50
)

var failedColor = color.RGBA{R: 200, A: 255}

// plotResult is one plot: its file name and alt text, and its PNG or why it
// was not drawn. A plot maker starts from its file and alt text and returns
// skip(why) or draw(p).
type plotResult struct {
	file, alt string
	png       []byte
	skipped   string // reason, when png is nil
}

// skip returns r, not drawn for the reason why.
func (r plotResult) skip(why string) plotResult {
	r.skipped = why
	return r
}

// draw returns r with p drawn as its PNG (plotWidth × plotHeight).
func (r plotResult) draw(p *plot.Plot) (plotResult, error) {
	png, err := encodePNG(p.Draw, plotWidth, plotHeight)
	r.png = png
	return r, err
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = false
	p.Legend.ThumbnailWidth = vg.Points(18)
	p.Y.Tick.Marker = cleanTicks{niceTicks{}}
	return p
}

// niceTicks labels four to eight round values (steps of 1, 2, 2.5 or 5 × 10^k)
// with an unlabelled minor tick between each; gonum's default labels as few
// as two.
type niceTicks struct{}

// Ticks implements plot.Ticker.
func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	// The largest round step that still gives at least 3.5 steps.
	span := hi - lo
	mag := math.Pow(10, math.Floor(math.Log10(span)))
	step := mag / 100
search:
	for _, scale := range []float64{1, 0.1, 0.01} {
		for _, m := range []float64{5, 2.5, 2, 1} {
			if span/(m*mag*scale) >= 3.5 {
				step = m * mag * scale
				break search
			}
		}
	}
	var ts []plot.Tick
	for i := math.Ceil(lo / step); i*step <= hi+step*1e-9; i++ {
		v := i * step
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
		if minor := v + step/2; minor <= hi {
			ts = append(ts, plot.Tick{Value: minor})
		}
	}
	return ts
}

// cleanTicks labels ticks with the shortest form of their value ("500", not
// "500.00").
type cleanTicks struct{ plot.Ticker }

// Ticks implements plot.Ticker.
func (c cleanTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := c.Ticker.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label == "" {
			continue
		}
		v, err := strconv.ParseFloat(strconv.FormatFloat(ts[i].Value, 'g', 6, 64), 64)
		if err != nil {
			continue
		}
		ts[i].Label = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ts
}

// encodeStacked draws top above bottom with aligned axes, as a PNG of the
// report's double height.
func encodeStacked(top, bottom *plot.Plot) ([]byte, error) {
	return encodePNG(func(dc draw.Canvas) {
		tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8), PadY: vg.Points(10)}
		cs := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, dc)
		top.Draw(cs[0][0])
		bottom.Draw(cs[1][0])
	}, plotWidth, plotHeight2x)
}

// encodePNG draws p on a w × h canvas and returns the PNG bytes.
func encodePNG(paint func(draw.Canvas), w, h vg.Length) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(plotDPI))
	paint(draw.New(c))
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return b.Bytes(), nil
}

// categorical sets up a nominal X axis of resolutions with room for the
// series' offsets and returns the x position of each.
func categorical(p *plot.Plot, rs []resolution) map[resolution]float64 {
	names := make([]string, len(rs))
	pos := make(map[resolution]float64, len(rs))
	for i, r := range rs {
		names[i] = r.String()
		pos[r] = float64(i)
	}
	p.NominalX(names...)
	p.X.Min = -0.5
	p.X.Max = float64(len(rs)) - 0.5
	return pos
}

// offset spreads n series around a category so their points do not overlap.
func offset(i, n int) float64 {
	// At most 0.1 apart, and all of them within ±0.3 of the category.
	step := 0.1
	if n > 1 {
		step = min(step, 0.6/float64(n-1))
	}
	return (float64(i) - float64(n-1)/2) * step
}

// headroom raises the Y axis maximum so the legend (drawn in the top right of
// the data area) does not cover points; legendRows is the number of entries.
func headroom(p *plot.Plot, maxY float64, legendRows int) {
	p.Y.Min = 0
	if maxY <= 0 {
		maxY = 1
	}
	p.Y.Max = maxY * (1.1 + 0.07*float64(legendRows))
}

// renderPlots draws every plot of the run, in the report's order.
func renderPlots(r *run) ([]plotResult, error) {
	var out []plotResult
	for _, make := range []func(*run) (plotResult, error){
		fpsPlot, setupPlot, setupBreakdownPlot, cpuPlot, latencyPlot, latencyBreakdownPlot, qualityPlot, signalingPlot, perConnPlot,
	} {
		res, err := make(r)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", res.file, err)
		}
		out = append(out, res)
	}
	return out, nil
}

// xy is one point.
type xy struct{ x, y float64 }

func toXYs(pts []xy) plotter.XYs {
	out := make(plotter.XYs, len(pts))
	for i, pt := range pts {
		out[i].X, out[i].Y = pt.x, pt.y
	}
	return out
}

// series is one legend entry: a line through the per-resolution means and the
// points of every repeat.
type series struct {
	label  string
	means  []xy
	points []xy
	dashes []vg.Length
	// color and shape replace the i-th default color and glyph when set.
	color color.Color
	shape draw.GlyphDrawer
}

func addSeries(p *plot.Plot, i int, s series) error {
	col, shape := plotutil.Color(i), plotutil.Shape(i)
	if s.color != nil {
		col = s.color
	}
	if s.shape != nil {
		shape = s.shape
	}
	if len(s.means) > 0 {
		l, pts, err := plotter.NewLinePoints(toXYs(s.means))
		if err != nil {
			return fmt.Errorf("series %s: %w", s.label, err)
		}
		l.Color, l.Width, l.Dashes = col, vg.Points(1.5), s.dashes
		pts.Color, pts.Shape, pts.Radius = col, shape, vg.Points(3)
		p.Add(l, pts)
		p.Legend.Add(s.label, l, pts)
	}
	if len(s.points) > 0 {
		sc, err := plotter.NewScatter(toXYs(s.points))
		if err != nil {
			return fmt.Errorf("series %s: %w", s.label, err)
		}
		sc.Color, sc.Shape, sc.Radius = col, draw.RingGlyph{}, vg.Points(2)
		p.Add(sc)
		if len(s.means) == 0 {
			p.Legend.Add(s.label, sc)
		}
	}
	return nil
}

func addFailed(p *plot.Plot, pts []xy, label string) error {
	if len(pts) == 0 {
		return nil
	}
	sc, err := plotter.NewScatter(toXYs(pts))
	if err != nil {
		return fmt.Errorf("failed trials: %w", err)
	}
	sc.Color, sc.Shape, sc.Radius = failedColor, draw.CrossGlyph{}, vg.Points(4)
	p.Add(sc)
	p.Legend.Add(label, sc)
	return nil
}

// hline draws a horizontal reference line across the categorical axis.
func hline(p *plot.Plot, y, x0, x1 float64, label string, c color.Color) error {
	l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}})
	if err != nil {
		return fmt.Errorf("reference line: %w", err)
	}
	l.Color, l.Width, l.Dashes = c, vg.Points(1.2), []vg.Length{vg.Points(6), vg.Points(3)}
	p.Add(l)
	p.Legend.Add(label, l)
	return nil
}

func marker(p *plot.Plot, at xy, label string, shape draw.GlyphDrawer, c color.Color) error {
	sc, err := plotter.NewScatter(toXYs([]xy{at}))
	if err != nil {
		return fmt.Errorf("marker: %w", err)
	}
	sc.Color, sc.Shape, sc.Radius = c, shape, vg.Points(5)
	p.Add(sc)
	p.Legend.Add(label, sc)
	return nil
}

var thesisColor = color.RGBA{R: 40, G: 40, B: 40, A: 255}

// aggregate sums up the values at one x: mean or median (false: none).
type aggregate func([]float64) (float64, bool)

// perResolution builds a series of f over ts: every value as a point at its
// resolution's category plus dx, and a line through the aggregate (mean or
// median) of each resolution's values. Trials whose resolution has no
// category are left out.
func perResolution(ts []results.Trial, pos map[resolution]float64, dx float64, f func(results.Trial) (float64, bool), agg aggregate) (line, points []xy) {
	for _, t := range ts {
		x, ok := pos[resolutionOf(t)]
		if !ok {
			continue
		}
		if v, ok := f(t); ok && !math.IsNaN(v) {
			points = append(points, xy{x + dx, v})
		}
	}
	// Points in category order, each category's in trial order.
	slices.SortStableFunc(points, func(a, b xy) int { return cmp.Compare(a.x, b.x) })
	return byX(points, agg), points
}

// ofSender returns the trials of ts that sender s streamed.
func ofSender(ts []results.Trial, s sender) []results.Trial {
	var out []results.Trial
	for _, t := range ts {
		if senderOf(t) == s {
			out = append(out, t)
		}
	}
	return out
}

// failedPoints marks, at y = 0, every trial of gs that failed by the
// measure of failed, at its sender's offset.
func failedPoints(gs []group, pos map[resolution]float64, senders []sender, failed func(results.Trial) bool) []xy {
	var out []xy
	for _, g := range gs {
		i := slices.Index(senders, g.sender)
		for _, t := range g.trials {
			if failed(t) {
				out = append(out, xy{pos[g.res] + offset(i, len(senders)), 0})
			}
		}
	}
	return out
}

func notOK(t results.Trial) bool { return !t.OK }

func noFirstFrame(t results.Trial) bool { return t.SetupMs == nil }

// maxY returns the largest y of pts, or floor if that is larger.
func maxY(floor float64, pts []xy) float64 {
	for _, pt := range pts {
		floor = max(floor, pt.y)
	}
	return floor
}

func fpsPlot(r *run) (plotResult, error) {
	res := plotResult{file: PlotFPS, alt: "Received frames per second per resolution and sender"}
	media := r.media()
	if len(media) == 0 {
		return res.skip("the run has no camera-to-browser or browser-to-browser trial"), nil
	}
	rs := resolutions(media)
	if len(rs) == 0 {
		return res.skip("no media trial has a requested resolution"), nil
	}
	p := newPlot("Received frame rate per resolution (mean over the measurement window)",
		"requested resolution (ordered by pixel count)", "frames per second (fps)")
	pos := categorical(p, rs)
	set := sendersOf(media)
	top := float64(thesisTargetFPS)
	rows := 1
	for i, s := range set.list {
		means, points := perResolution(okTrials(ofSender(media, s)), pos, offset(i, len(set.list)), fpsMean, mean)
		if err := addSeries(p, i, series{label: set.labels[s], means: means, points: points}); err != nil {
			return res, err
		}
		top = maxY(top, points)
		rows++
	}
	if err := hline(p, thesisTargetFPS, p.X.Min, p.X.Max, "thesis target: 15 fps (§4.2)", thesisColor); err != nil {
		return res, err
	}
	if x, ok := pos[resolution{160, 90}]; ok {
		if err := marker(p, xy{x, thesisTargetFPS}, "thesis: Pi camera ≈ 15 fps only at 160x90 (§5)", draw.SquareGlyph{}, thesisColor); err != nil {
			return res, err
		}
		rows++
	}
	failed := failedPoints(groups(media), pos, set.list, notOK)
	if err := addFailed(p, failed, "failed trial (no fps)"); err != nil {
		return res, err
	}
	if len(failed) > 0 {
		rows++
	}
	headroom(p, top, rows)
	return res.draw(p)
}

func setupPlot(r *run) (plotResult, error) {
	res := plotResult{file: PlotSetup, alt: "Stream setup time of every repeat per resolution"}
	media := r.media()
	if len(values(media, setupMs)) == 0 {
		return res.skip("no media trial reached its first frame"), nil
	}
	rs := resolutions(media)
	p := newPlot("Stream setup time of every repeat (line: median)",
		"requested resolution (ordered by pixel count)", "setup: viewer navigation → first frame, page clock (ms)")
	pos := categorical(p, rs)
	set := sendersOf(media)
	top, rows := 0.0, 0
	for i, s := range set.list {
		// Every repeat that reached its first frame, failed or not.
		medians, points := perResolution(ofSender(media, s), pos, offset(i, len(set.list)), setupPageOrHarness, median)
		if len(points) == 0 {
			continue
		}
		if err := addSeries(p, i, series{label: set.labels[s], means: medians, points: points}); err != nil {
			return res, err
		}
		top = maxY(top, points)
		rows++
	}
	failed := failedPoints(groups(media), pos, set.list, noFirstFrame)
	if err := addFailed(p, failed, "no first frame"); err != nil {
		return res, err
	}
	if len(failed) > 0 {
		rows++
	}
	headroom(p, top, rows)
	return res.draw(p)
}

// cpuSeries is one line of the CPU plot: a process of a sender, or the
// signaling server over all senders (sender nil).
type cpuSeries struct {
	sender *sender
	proc   string
}

// cpuSeriesOf lists the CPU plot's lines: one per sender and process it
// runs (camera, browser); the signaling server does not depend on the
// sender, so it is one line.
func cpuSeriesOf(senders []sender, procs []string) []cpuSeries {
	var list []cpuSeries
	for i := range senders {
		for _, proc := range procs {
			if proc != results.ProcessSignaling {
				list = append(list, cpuSeries{&senders[i], proc})
			}
		}
	}
	if slices.Contains(procs, results.ProcessSignaling) {
		list = append(list, cpuSeries{nil, results.ProcessSignaling})
	}
	return list
}

// style colors a line by sender as in the other plots, and sets its line
// style by process.
func (cs cpuSeries) style(set senderSet) series {
	if cs.sender == nil {
		return series{label: "signaling (all senders)", color: thesisColor, shape: draw.TriangleGlyph{},
			dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
	}
	sr := series{label: set.labels[*cs.sender] + ": " + cs.proc,
		color: plotutil.Color(slices.Index(set.list, *cs.sender)), shape: draw.CircleGlyph{}}
	if cs.proc != results.ProcessCamera && cs.proc != results.ProcessGStreamer {
		sr.shape, sr.dashes = draw.SquareGlyph{}, []vg.Length{vg.Points(6), vg.Points(3)}
	}
	return sr
}

func cpuPlot(r *run) (plotResult, error) {
	res := plotResult{file: PlotCPU, alt: "CPU per process and resolution"}
	media := r.media()
	var procs []string
	for _, p := range processNames(media) {
		// The plot shows the system's parts; the harness's own CPU stays in the tables.
		if p == results.ProcessCamera || p == results.ProcessGStreamer || p == results.ProcessBrowser || p == results.ProcessSignaling {
			procs = append(procs, p)
		}
	}
	if len(procs) == 0 {
		return res.skip("no media trial measured a process"), nil
	}
	p := newPlot("CPU per process and resolution (mean over the measurement window)",
		"requested resolution (ordered by pixel count)", "CPU (%, 100 % = one core)")
	pos := categorical(p, resolutions(media))
	set := sendersOf(media)
	list := cpuSeriesOf(set.list, procs)
	top, rows := 0.0, 0
	for i, cs := range list {
		trials := okTrials(media)
		if cs.sender != nil {
			trials = okTrials(ofSender(media, *cs.sender))
		}
		sr := cs.style(set)
		sr.means, sr.points = perResolution(trials, pos, offset(i, len(list)), cpuOf(cs.proc), mean)
		if len(sr.means) == 0 {
			continue
		}
		if err := addSeries(p, i, sr); err != nil {
			return res, err
		}
		top = maxY(top, sr.points)
		rows++
	}
	if rows == 0 {
		return res.skip("no successful media trial measured a process"), nil
	}
	headroom(p, top, rows)
	return res.draw(p)
}

func latencyPlot(r *run) (plotResult, error) {
	res := plotResult{file: PlotLatency, alt: "End-to-end latency per resolution (p50, p95)"}
	media := r.media()
	if len(values(okTrials(media), latencyP50)) == 0 {
		return res.skip("no successful media trial measured latency (it needs the synthetic source's frame code)"), nil
	}
	p := newPlot("End-to-end latency from the synthetic frame code (mean of the repeats)",
		"requested resolution (ordered by pixel count)", "latency capture → display (ms)")
	pos := categorical(p, resolutions(media))
	set := sendersOf(media)
	top, rows := 0.0, 0
	for i, s := range set.list {
		ok := okTrials(ofSender(media, s))
		for _, q := range []struct {
			name   string
			f      func(results.Trial) (float64, bool)
			dashes []vg.Length
		}{
			{"p50", latencyP50, nil},
			{"p95", latencyP95, []vg.Length{vg.Points(5), vg.Points(3)}},
		} {
			means, points := perResolution(ok, pos, offset(i, len(set.list)), q.f, mean)
			if len(means) == 0 {
				continue
			}
			if err := addSeries(p, i, series{label: set.labels[s] + " " + q.name, means: means, points: points, dashes: q.dashes}); err != nil {
				return res, err
			}
			top = maxY(top, points)
			rows++
		}
	}
	headroom(p, top, rows)
	return res.draw(p)
}

// loadPoint is one signaling-load trial's figures.
type loadPoint struct {
	participants float64
	group        string // loadGroup: mode, rate and nodes
	rank         int
	cpu, rssMiB  float64
}

func loadPoints(r *run) []loadPoint {
	var out []loadPoint
	for _, t := range okTrials(r.ofKind(results.KindSignalingLoad)) {
		ps, ok := t.Processes[results.ProcessSignaling]
		if !ok || ps.Samples == 0 {
			continue
		}
		cpu, _ := serverCPU(t)
		out = append(out, loadPoint{
			participants: float64(t.Params.Participants),
			group:        legacyGroup(t),
			rank:         groupRank(loadGroup(t)),
			cpu:          cpu,
			rssMiB:       float64(ps.PeakRSSBytes) / (1 << 20),
		})
	}
	return out
}

// legacyGroup is a trial's series in the signaling plot: its rate for
// trials recorded before load modes (as before), else its loadGroup.
func legacyGroup(t results.Trial) string {
	if t.Params.LoadMode == "" {
		return rateLabel(t.Params.SignalRate)
	}
	return loadGroup(t)
}

func rateLabel(rate float64) string {
	if rate == 0 {
		return "idle: connected, no signals"
	}
	if rate == 1 {
		return "1 signal/s per client"
	}
	return fmt.Sprintf("%g signals/s per client", rate)
}

func signalingPlot(r *run) (plotResult, error) {
	res := plotResult{file: PlotSignaling, alt: "Signaling server CPU and RSS per number of participants"}
	pts := loadPoints(r)
	var failed []xy
	for _, t := range r.ofKind(results.KindSignalingLoad) {
		if !t.OK && t.Params.Participants > 0 {
			failed = append(failed, xy{float64(t.Params.Participants), 0})
		}
	}
	if len(pts) == 0 {
		return res.skip("no successful signaling-load trial measured the signaling server"), nil
	}
	var rates []string
	rank := map[string]int{}
	for _, pt := range pts {
		if !slices.Contains(rates, pt.group) {
			rates = append(rates, pt.group)
			rank[pt.group] = pt.rank
		}
	}
	slices.SortStableFunc(rates, func(a, b string) int { return rank[a] - rank[b] })

	cpu := newPlot("Signaling server under load (thesis §5: < 1 % CPU at 50 users)", "participants", "CPU (%, 100 % = one core)")
	rss := newPlot("", "participants", "peak RSS (MiB)")
	maxCPU, maxRSS, maxX := float64(thesisSignalingMaxPct), 0.0, float64(thesisSignalingUsers)
	for i, rate := range rates {
		var cpuPts, rssPts []xy
		for _, pt := range pts {
			if pt.group == rate {
				cpuPts = append(cpuPts, xy{pt.participants, pt.cpu})
				rssPts = append(rssPts, xy{pt.participants, pt.rssMiB})
				maxCPU, maxRSS, maxX = max(maxCPU, pt.cpu), max(maxRSS, pt.rssMiB), max(maxX, pt.participants)
			}
		}
		label := rate
		if err := addSeries(cpu, i, series{label: label, means: byX(cpuPts, mean), points: cpuPts}); err != nil {
			return res, err
		}
		if err := addSeries(rss, i, series{label: label, means: byX(rssPts, mean), points: rssPts}); err != nil {
			return res, err
		}
	}
	if err := marker(cpu, xy{thesisSignalingUsers, thesisSignalingMaxPct}, "thesis: < 1 % at 50 users, i7-8565U (§5)", draw.TriangleGlyph{}, thesisColor); err != nil {
		return res, err
	}
	if err := marker(cpu, xy{thesisSignalingUsers, 0}, "thesis: 0.0 % when idle (§5)", draw.SquareGlyph{}, thesisColor); err != nil {
		return res, err
	}
	if err := addFailed(cpu, failed, "failed trial"); err != nil {
		return res, err
	}
	minX := float64(thesisSignalingUsers)
	for _, pt := range pts {
		minX = min(minX, pt.participants)
	}
	for _, pt := range failed {
		minX, maxX = min(minX, pt.x), max(maxX, pt.x)
	}
	for _, p := range []*plot.Plot{cpu, rss} {
		if minX >= 1 && maxX/minX >= 20 {
			// Participants span decades (thesis.yaml: 2 to 5000).
			p.X.Scale = plot.LogScale{}
			p.X.Tick.Marker = cleanTicks{plot.LogTicks{Prec: -1}}
			p.X.Min, p.X.Max = minX/1.3, maxX*1.3
			p.X.Label.Text = "participants (log scale)"
		} else {
			p.X.Tick.Marker = cleanTicks{niceTicks{}}
			p.X.Min, p.X.Max = 0, maxX*1.05
		}
	}
	rows := len(rates) + 2
	if len(failed) > 0 {
		rows++
	}
	headroom(cpu, maxCPU, rows)
	headroom(rss, maxRSS, len(rates))

	var err error
	res.png, err = encodeStacked(cpu, rss)
	return res, err
}

// byX aggregates (mean or median) the values of the points that share an x,
// ordered by x.
func byX(pts []xy, agg aggregate) []xy {
	var xs []float64
	for _, pt := range pts {
		if !slices.Contains(xs, pt.x) {
			xs = append(xs, pt.x)
		}
	}
	slices.Sort(xs)
	out := make([]xy, 0, len(xs))
	for _, x := range xs {
		var ys []float64
		for _, pt := range pts {
			if pt.x == x {
				ys = append(ys, pt.y)
			}
		}
		if m, ok := agg(ys); ok {
			out = append(out, xy{x, m})
		}
	}
	return out
}
