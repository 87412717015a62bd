package reports

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"echtzeit/harness/phase"
	"echtzeit/harness/results"
	"echtzeit/harness/stats"
)

const dash = "–"

func f1(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return dash
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func f2(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return dash
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func f0(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return dash
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func fp(p *float64, format func(float64) string) string {
	if p == nil {
		return dash
	}
	return format(*p)
}

func mib(bytes int64) string {
	return f1(float64(bytes) / (1 << 20))
}

func orDash(s string) string {
	if s == "" {
		return dash
	}
	return s
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return dash
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// buildDocument assembles the report from the run and its plots.
func buildDocument(r *run, plots []plotResult) *document {
	d := &document{title: fmt.Sprintf("echtzeit run %q, %s", orDash(r.env.Scenario), stamp(r.env.StartTime))}
	d.add(para{summaryLine(r)})
	notes := r.notes
	for _, t := range r.trials {
		if latencyImplausible(t) {
			notes = append(notes, fmt.Sprintf("Trial #%d reports an end-to-end latency of %s ms, which cannot be right (below 0 or over %d s): "+
				"it is left out of the plot. A sender without the synthetic frame code (e.g. Chromium's fake camera) or clocks that disagree give such values.",
				t.Index, fp(t.LatencyP50Ms, f0)+" / "+fp(t.LatencyP95Ms, f0), maxPlausibleLatencyMs/1000))
		}
	}
	if len(notes) > 0 {
		d.add(list{notes})
	}

	d.add(heading{2, "Thesis vs measured"})
	rows := make([][]string, 0, 8)
	for _, c := range comparisons(r) {
		rows = append(rows, []string{c.claim, c.thesis, c.measured, c.verdict})
	}
	d.add(table{head: []string{"thesis (section)", "thesis figure", "measured in this run", "verdict"}, rows: rows})
	d.add(para{fmt.Sprintf("How the thesis's words are read: \"usually\" means at least %.0f %% of the trials; "+
		"\"near 15 fps\" means 15 ± %.0f fps; \"collapsing\" means the largest resolution keeps less than %.0f %% of the 160×90 rate; "+
		"\"0.0 %%\" means a mean below %.2f %%. A stream counts as set up when its first frame was decoded. "+
		"CPU is of one core (100 %% = one core busy), read from /proc in clock ticks (10 ms), so a short window resolves about 0.1 %%.",
		usuallyShare*100, nearTarget, collapseShare*100, idleRounding)})

	d.add(resultsSection(r)...)

	plotsSection(d, plots)

	d.add(heading{2, "Environment"})
	d.add(environmentTable(r.env))
	if len(r.env.Warnings) > 0 {
		d.add(para{"Warnings noted by the harness:"}, list{r.env.Warnings})
	}

	for _, k := range results.Kinds {
		ts := r.ofKind(k)
		if len(ts) == 0 {
			continue
		}
		d.add(heading{2, "Trials: " + k.String()})
		if k == results.KindSignalingLoad {
			d.add(loadTable(r, ts))
		} else {
			d.add(mediaTable(r, ts))
		}
	}
	if len(r.trials) == 0 {
		d.add(heading{2, "Trials"}, para{"The run recorded no trial."})
	}
	if other := otherKinds(r.trials); len(other) > 0 {
		d.add(heading{2, "Trials of other kinds"}, otherTable(other))
	}

	networkSection(d, r, plots)
	d.add(append(pathsSection(r), viewersSection(r, plots)...)...)
	d.add(mediaSections(r)...)

	if t, ok := sampleTable(r); ok {
		d.add(heading{2, "One-second frame rates"})
		d.add(para{"The viewer's frames per second of every second inside the measurement window (samples.csv), pooled over the successful repeats. Percentiles interpolate linearly between closest ranks (Hyndman–Fan 7, as numpy.percentile)."})
		d.add(t)
	}

	d.add(heading{2, "Failed trials"})
	failed := failedTrials(r.trials)
	if len(failed) == 0 {
		d.add(para{"None."})
	}
	for _, t := range failed {
		d.add(heading{3, fmt.Sprintf("#%d %s", t.Index, trialName(t))})
		items := []string{"reason: " + orDash(t.FailReason)}
		if t.FailedComponent != "" {
			items = append(items, "failed component: "+t.FailedComponent)
		}
		if p := lastPhase(t.Phases); p != "" {
			items = append(items, "last phase reached: "+p)
		}
		d.add(list{items})
		if t.StderrTail != "" {
			d.add(pre{t.StderrTail})
		}
	}

	if len(r.scenario) > 0 {
		d.add(heading{2, "Scenario"}, pre{string(r.scenario)})
	}
	return d
}

// mediaSections are the setup phases, where the setup time and the latency
// go, the picture quality, the setup reliability and the senders under CPU
// budgets, for runs with media trials.
func mediaSections(r *run) []block {
	media := r.media()
	if len(media) == 0 {
		return nil
	}
	bs := []block{
		heading{2, "Setup phases"},
		para{"Median milliseconds from the viewer's navigation (performance.timeOrigin, the page's clock) to each phase, over the trials that reached it (n = trials that reached the first frame)."},
		phaseTable(media),
	}
	bs = append(bs, setupSection(r, media)...)
	bs = append(bs, delaysSection(r, media)...)
	bs = append(bs, qualitySection(r, media)...)
	bs = append(bs, reliabilitySection(media)...)
	bs = append(bs, chartCostSection(media)...)
	return append(bs, budgetSection(r)...)
}

// resultsSection is every figure per sender and resolution with its
// interval.
func resultsSection(r *run) []block {
	media := r.media()
	if len(media) == 0 {
		return nil
	}
	return []block{
		heading{2, "Results with 95 % confidence intervals"},
		para{"Per sender and resolution: how many trials set up (with the Wilson interval of that share), and the mean of each figure over the successful repeats."},
		summaryTable(r, media), para{intervalNote()},
	}
}

// plotsSection adds "Plots": the run's plots (PlotFiles), or why one was
// not drawn. The trials' time series go under Networks.
func plotsSection(d *document, plots []plotResult) {
	d.add(heading{2, "Plots"})
	for _, p := range plots {
		if !slices.Contains(PlotFiles, p.file) {
			continue
		}
		if p.png == nil {
			d.add(para{fmt.Sprintf("%s: not drawn — %s.", p.alt, p.skipped)})
			continue
		}
		d.add(figure{file: p.file, alt: p.alt})
	}
}

func summaryLine(r *run) string {
	ok := len(okTrials(r.trials))
	var kinds []string
	for _, k := range results.Kinds {
		ts := r.ofKind(k)
		if len(ts) > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d of %d ok", k, len(okTrials(ts)), len(ts)))
		}
	}
	s := fmt.Sprintf("%d trials: %d ok, %d failed", len(r.trials), ok, len(r.trials)-ok)
	if len(kinds) > 0 {
		s += " (" + strings.Join(kinds, "; ") + ")"
	}
	where := "on this machine"
	if r.env.Remote {
		where = "with a remote camera"
	}
	return s + ". Measured " + where + ", " + orDash(r.env.CPUModel) + ", " + strconv.Itoa(r.env.Cores) + " cores."
}

func environmentTable(e results.Environment) table {
	dur := dash
	if !e.EndTime.IsZero() && !e.StartTime.IsZero() {
		dur = e.EndTime.Sub(e.StartTime).Round(time.Second).String()
	} else if e.EndTime.IsZero() {
		dur = "unknown (no end time: the run was interrupted or is still running)"
	}
	commit := orDash(e.GitCommit)
	if e.GitDirty {
		commit += " (with uncommitted changes)"
	}
	mem := dash
	if e.MemTotalBytes > 0 {
		mem = fmt.Sprintf("%.1f GiB", float64(e.MemTotalBytes)/(1<<30))
	}
	remote := "no: every part ran on this machine"
	if e.Remote {
		remote = "yes: the camera was not started by the harness"
	}
	rows := [][]string{
		{"scenario", orDash(e.Scenario)},
		{"scenario file", orDash(e.ScenarioFile)},
		{"start", stamp(e.StartTime)},
		{"end", stamp(e.EndTime)},
		{"duration", dur},
		{"host", orDash(e.Hostname)},
		{"CPU", orDash(e.CPUModel)},
		{"logical CPUs", strconv.Itoa(e.Cores)},
		{"memory", mem},
		{"kernel", orDash(e.Kernel)},
		{"OS / arch", orDash(e.OS) + " / " + orDash(e.Arch)},
		{"Go", orDash(e.GoVersion)},
		{"Chromium", orDash(e.ChromiumVersion)},
		{"git commit", commit},
		{"remote camera", remote},
	}
	if e.SignalingURL != "" {
		rows = append(rows, []string{"signaling URL", e.SignalingURL})
	}
	if e.CameraMetricsURL != "" {
		rows = append(rows, []string{"camera metrics URL", e.CameraMetricsURL})
	}
	for _, role := range slices.Sorted(maps.Keys(e.Binaries)) {
		rows = append(rows, []string{"binary " + role, e.Binaries[role]})
	}
	return table{head: []string{"", ""}, rows: rows}
}

func result(t results.Trial) string {
	if t.OK {
		return "ok"
	}
	return "failed: " + orDash(t.FailReason)
}

func received(t results.Trial) string {
	if t.ReceivedWidth == 0 || t.ReceivedHeight == 0 {
		return dash
	}
	return fmt.Sprintf("%dx%d", t.ReceivedWidth, t.ReceivedHeight)
}

func latency(t results.Trial) string {
	if t.LatencyP50Ms == nil && t.LatencyP95Ms == nil {
		return dash
	}
	s := fp(t.LatencyP50Ms, f0) + " / " + fp(t.LatencyP95Ms, f0)
	if latencyImplausible(t) {
		return "implausible: " + s
	}
	return s
}

// measuredOnly shows a figure of a trial only when the trial measured it.
func measuredOnly(t results.Trial, s string) string {
	if !t.OK {
		return dash
	}
	return s
}

func mediaTable(r *run, ts []results.Trial) table {
	procs := processNames(ts)
	// Sender and budget columns only for runs that vary them.
	axes := slices.ContainsFunc(ts, func(t results.Trial) bool {
		return t.Params.CPU != "" || t.Params.Sender == results.SenderGStreamer
	})
	head := []string{"#", "resolution", "codec", "source", "repeat", "result", "received", "fps mean [95 % CI] (n s)", "fps p5",
		"setup ms page / harness", "latency p50 / p95 ms", "kbit/s", "loss %", "freezes"}
	if axes {
		head = slices.Insert(head, 4, "sender", "cpu")
	}
	networks := slices.ContainsFunc(ts, func(t results.Trial) bool { return t.Params.Network != "" })
	netCol := -1
	if networks {
		netCol = len(head)
		head = append(head, "network")
	}
	for _, p := range procs {
		head = append(head, "CPU "+p+" % [95 % CI] (n s)")
	}
	for _, p := range procs {
		head = append(head, "RSS "+p+" MiB")
	}
	right := make([]bool, len(head))
	first := 7 // the first figure column
	if axes {
		first = 9
	}
	for i := range right {
		right[i] = i == 0 || i == first-3 || i >= first && i != netCol
	}
	var rows [][]string
	for _, t := range ts {
		row := []string{
			strconv.Itoa(t.Index), resolutionOf(t).String(), orDash(codecName(t.Params.Codec)), orDash(t.Params.Source),
			strconv.Itoa(t.Params.Repeat), result(t), received(t),
			measuredOnly(t, r.trialCell(t, mediaMetric("fps"))), measuredOnly(t, f1(t.FPSP5)),
			fp(t.SetupPageMs, f0) + " / " + fp(t.SetupMs, f0), latency(t),
			measuredOnly(t, f0(t.BitrateKbps)), measuredOnly(t, f2(t.PacketLossPct)),
			measuredOnly(t, strconv.FormatInt(t.FreezeCount, 10)),
		}
		if axes {
			row = slices.Insert(row, 4, orDash(t.Params.Sender), orDash(t.Params.CPU))
		}
		if networks {
			row = append(row, networkOf(t))
		}
		for _, p := range procs {
			row = append(row, r.trialCell(t, cpuMetric(p)))
		}
		for _, p := range procs {
			row = append(row, processRSS(t, p))
		}
		rows = append(rows, row)
	}
	return table{head: head, rows: rows, right: right}
}

// networkOf names a trial's networks ("3g", "lan/4g" when the viewers'
// differs from lan), "–" without one.
func networkOf(t results.Trial) string {
	p := t.Params
	switch {
	case p.Network == "":
		return dash
	case p.ViewerNetwork == "" || p.ViewerNetwork == "lan":
		return p.Network
	}
	return p.Network + "/" + p.ViewerNetwork
}

// trialCell is one trial's figure with the interval of its one-second
// samples and their number: "29.9 [29.5–30.1] (8)".
func (r *run) trialCell(t results.Trial, m metric) string {
	v, ok := m.trial(t)
	if !ok || !t.OK && m.key == "fps" {
		return dash
	}
	e := r.trialEstimate(t, m, v)
	if !e.HasCI() {
		return e.format(m.digits)
	}
	return fmt.Sprintf("%s (%d)", e.format(m.digits), e.N)
}

// cpuMetric is the CPU metric of a process.
func cpuMetric(p string) metric {
	for _, m := range mediaMetrics([]string{p}) {
		if m.key == "cpu:"+p {
			return m
		}
	}
	return metric{}
}

func processRSS(t results.Trial, name string) string {
	p, ok := t.Processes[name]
	if !ok || p.Samples == 0 {
		return dash
	}
	return mib(p.PeakRSSBytes)
}

func loadTable(r *run, ts []results.Trial) table {
	head := []string{"#", "participants", "signals/s per client", "repeat", "result", "connected", "connect failures",
		"rooms", "sent", "delivered", "lost", "delivered/s", "relay p50 / p95 ms", "CPU signaling % [95 % CI] (n s)", "RSS signaling MiB"}
	right := make([]bool, len(head))
	for i := range right {
		right[i] = i != 4
	}
	var rows [][]string
	for _, t := range ts {
		row := []string{strconv.Itoa(t.Index), strconv.Itoa(t.Params.Participants), strconv.FormatFloat(t.Params.SignalRate, 'f', -1, 64),
			strconv.Itoa(t.Params.Repeat), result(t)}
		if s := t.Signaling; s != nil {
			row = append(row, strconv.Itoa(s.Connections), strconv.Itoa(s.ConnectFailures), strconv.Itoa(s.Rooms),
				strconv.FormatInt(s.MessagesSent, 10), strconv.FormatInt(s.MessagesDelivered, 10), strconv.FormatInt(s.MessagesLost, 10),
				f1(s.MessagesPerSecond), relay(s))
		} else {
			row = append(row, dash, dash, dash, dash, dash, dash, dash, dash)
		}
		cpu := cpuMetric(results.ProcessSignaling)
		cpu.digits = 2
		row = append(row, r.trialCell(t, cpu), processRSS(t, results.ProcessSignaling))
		rows = append(rows, row)
	}
	return table{head: head, rows: rows, right: right}
}

func otherKinds(ts []results.Trial) []results.Trial {
	var out []results.Trial
	for _, t := range ts {
		if !slices.Contains(results.Kinds, t.Kind) {
			out = append(out, t)
		}
	}
	return out
}

func otherTable(ts []results.Trial) table {
	var rows [][]string
	for _, t := range ts {
		rows = append(rows, []string{strconv.Itoa(t.Index), orDash(string(t.Kind)), trialName(t), result(t)})
	}
	return table{head: []string{"#", "kind", "name", "result"}, rows: rows, right: []bool{true}}
}

func phaseTable(ts []results.Trial) table {
	set := sendersOf(ts)
	head := []string{"sender", "resolution", "n"}
	for _, p := range phase.Setup() {
		head = append(head, p.String())
	}
	right := make([]bool, len(head))
	for i := 2; i < len(right); i++ {
		right[i] = true
	}
	var rows [][]string
	for _, g := range groups(ts) {
		row := []string{set.labels[g.sender], g.res.String(), strconv.Itoa(len(values(g.trials, setupMs)))}
		for _, p := range phase.Setup() {
			vs := values(g.trials, func(t results.Trial) (float64, bool) { return deref(t.Phases.Get(p)) })
			m, ok := median(vs)
			if !ok {
				row = append(row, dash)
				continue
			}
			row = append(row, f0(m))
		}
		rows = append(rows, row)
	}
	return table{head: head, rows: rows, right: right}
}

// sampleTable summarises the measuring viewer rows of samples.csv per sender
// and resolution.
func sampleTable(r *run) (table, bool) {
	byTrial := map[int]results.Trial{}
	for _, t := range okTrials(r.media()) {
		byTrial[t.Index] = t
	}
	perGroup := map[int][]float64{}
	gs := groups(okTrials(r.media()))
	index := func(t results.Trial) int {
		return slices.IndexFunc(gs, func(g group) bool { return g.sender == senderOf(t) && g.res == resolutionOf(t) })
	}
	for _, s := range r.samples {
		if s.Process != results.ProcessViewer || !s.Measuring || math.IsNaN(s.FPS) {
			continue
		}
		t, ok := byTrial[s.Trial]
		if !ok {
			continue
		}
		i := index(t)
		perGroup[i] = append(perGroup[i], s.FPS)
	}
	if len(perGroup) == 0 {
		return table{}, false
	}
	set := sendersOf(r.media())
	var rows [][]string
	for i, g := range gs {
		sum, err := stats.Summarize(perGroup[i])
		if err != nil {
			continue
		}
		mean := f1(sum.Mean)
		if iv, err := stats.BootstrapMean(perGroup[i], stats.BootstrapOptions{Block: stats.SeriesBlock(len(perGroup[i]))}); err == nil {
			mean = estimate{Interval: iv}.format(1)
		}
		rows = append(rows, []string{set.labels[g.sender], g.res.String(), strconv.Itoa(sum.N),
			mean, f1(sum.Min), f1(sum.P5), f1(sum.P50), f1(sum.P95), f1(sum.Max)})
	}
	return table{
		head:  []string{"sender", "resolution", "seconds", "mean [95 % CI]", "min", "p5", "p50", "p95", "max"},
		rows:  rows,
		right: []bool{false, false, true, true, true, true, true, true, true},
	}, true
}

func failedTrials(ts []results.Trial) []results.Trial {
	var out []results.Trial
	for _, t := range ts {
		if !t.OK {
			out = append(out, t)
		}
	}
	return out
}

func trialName(t results.Trial) string {
	if t.Name != "" {
		return t.Name
	}
	parts := []string{string(t.Kind)}
	if t.Params.Resolution != "" {
		parts = append(parts, t.Params.Resolution)
	}
	if t.Params.Codec != "" {
		parts = append(parts, t.Params.Codec.String())
	}
	if t.Params.Participants > 0 && t.Kind == results.KindSignalingLoad {
		parts = append(parts, fmt.Sprintf("%d participants", t.Params.Participants))
	}
	return strings.Join(parts, " ") + fmt.Sprintf(" #%d", t.Params.Repeat)
}

// lastPhase names the last setup phase a media trial reached.
func lastPhase(p phase.Times) string {
	if last := p.Last(); last != phase.Unknown {
		return last.String()
	}
	return ""
}

func relay(s *results.SignalingLoad) string {
	if s.MessagesDelivered == 0 {
		return dash
	}
	return f2(s.RelayLatencyP50Ms) + " / " + f2(s.RelayLatencyP95Ms)
}
