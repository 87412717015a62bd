package reports

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"echtzeit/harness/results"
)

// comparison is one row of the "thesis vs measured" table.
type comparison struct {
	claim    string // what the thesis says, with its section
	thesis   string // the thesis's figure
	measured string // this run's figure
	verdict  string // "reproduced", "not reproduced: …", "not measured in this run: …"
}

// Thresholds that turn the thesis's words into rules; the report states them.
const (
	// usuallyShare is "usually" (in der Regel): at least this share of trials.
	usuallyShare = 0.8
	// nearTarget is "near 15 fps" (nah an dem angestrebten Wert): within ± this.
	nearTarget = 5.0
	// collapseShare is "collapsing" (nimmt drastisch ab): the largest resolution
	// keeps less than this share of the 160×90 frame rate.
	collapseShare = 0.5
	// idleRounding: "0.0 %" is reproduced when the mean rounds to 0.0.
	idleRounding = 0.05
)

func comparisons(r *run) []comparison {
	return []comparison{
		targetAt720x480(r, results.KindCameraToBrowser, "camera"),
		targetAt720x480(r, results.KindBrowserToBrowser, "browser"),
		browserUsuallyAbove(r),
		piCameraCurve(r),
		signalingAt50(r),
		signalingIdle(r),
		setupReliability(r),
	}
}

var res720x480 = resolution{720, 480}

func targetAt720x480(r *run, kind results.Kind, who string) comparison {
	c := comparison{
		claim:  fmt.Sprintf("Target: at least 15 fps on average at 720×480, %s as sender (§4.2)", who),
		thesis: "≥ 15 fps mean at 720×480 (goal set in §4.2)",
	}
	ts := r.ofKind(kind)
	set := sendersOf(ts)
	var parts, short []string
	var measured, failedAll int
	for _, g := range groups(ts) {
		if g.res != res720x480 {
			continue
		}
		label := set.labels[g.sender]
		ok := g.ok()
		m, has := mean(values(ok, fpsMean))
		if !has {
			failedAll++
			parts = append(parts, fmt.Sprintf("%s: no stream (0 of %d trials ok)", label, len(g.trials)))
			continue
		}
		measured++
		e, _ := r.summarize(ok, mediaMetric("fps"))
		part := fmt.Sprintf("%s: %s fps mean (%d of %d trials ok", label, e.format(1), len(ok), len(g.trials))
		if n := smallerThanRequested(ok); n > 0 {
			// WebRTC senders may scale down under load; then the figure is not
			// about 720×480 any more.
			part += fmt.Sprintf(", %d received smaller than 720×480", n)
		}
		parts = append(parts, part+")")
		if m < thesisTargetFPS {
			short = append(short, fmt.Sprintf("%s averaged %.1f fps", label, m))
		}
	}
	c.measured = strings.Join(parts, "; ")
	switch {
	case measured == 0 && failedAll == 0:
		c.measured = "–"
		c.verdict = fmt.Sprintf("not measured in this run: no %s trial at 720×480", kind)
	case measured == 0:
		c.verdict = "not measured in this run: every trial at 720×480 failed (see Failed trials)"
	case len(short) > 0:
		c.verdict = "not reproduced: " + strings.Join(short, ", ") + ", below 15 fps"
	default:
		c.verdict = "reproduced"
		if failedAll > 0 {
			c.verdict += fmt.Sprintf(" for the senders that streamed (%s failed every trial)", plural(failedAll, "sender"))
		}
	}
	return c
}

func browserUsuallyAbove(r *run) comparison {
	c := comparison{
		claim:  "Browser-to-browser streams usually above 15 fps (§5)",
		thesis: "fps \"usually above the targeted 15 frames per second\", no figure given",
	}
	ts := r.ofKind(results.KindBrowserToBrowser)
	ok := okTrials(ts)
	if len(ok) == 0 {
		if len(ts) == 0 {
			c.measured = "–"
			c.verdict = "not measured in this run: no browser-to-browser trial"
		} else {
			c.measured = fmt.Sprintf("0 of %d trials ok", len(ts))
			c.verdict = "not measured in this run: every browser-to-browser trial failed (see Failed trials)"
		}
		return c
	}
	above := 0
	fps := values(ok, fpsMean)
	for _, v := range fps {
		if v > thesisTargetFPS {
			above++
		}
	}
	lo, hi := minMax(fps)
	spread := fmt.Sprintf("trial means %.1f–%.1f fps", lo, hi)
	if len(fps) == 1 {
		spread = fmt.Sprintf("trial mean %.1f fps", lo)
	}
	c.measured = fmt.Sprintf("%d of %d successful trials above 15 fps (%s, %s)",
		above, len(ok), spread, plural(len(resolutions(ok)), "resolution"))
	share := float64(above) / float64(len(ok))
	if share >= usuallyShare {
		c.verdict = "reproduced"
	} else {
		c.verdict = fmt.Sprintf("not reproduced: only %.0f %% of the trials above 15 fps (\"usually\" read as ≥ %.0f %%)", share*100, usuallyShare*100)
	}
	return c
}

func minMax(xs []float64) (lo, hi float64) {
	for i, x := range xs {
		if i == 0 || x < lo {
			lo = x
		}
		if i == 0 || x > hi {
			hi = x
		}
	}
	return lo, hi
}

var res160x90 = resolution{160, 90}

func piCameraCurve(r *run) comparison {
	c := comparison{
		claim:  "Pi camera near 15 fps only at 160×90, collapsing above (§5)",
		thesis: "≈ 15 fps at 160×90; drops sharply at every larger resolution (Raspberry Pi, GStreamer, 32-bit OS)",
	}
	if pi := piTrials(r); len(pi) > 0 {
		return piBudgetCurve(r, c, pi)
	}
	ts := r.ofKind(results.KindCameraToBrowser)
	set := sendersOf(ts)
	gs := groups(ts)
	var parts, reproduced, not []string
	for _, s := range set.list {
		var low, top *group
		for i := range gs {
			g := &gs[i]
			if g.sender != s || len(g.ok()) == 0 {
				continue
			}
			if g.res == res160x90 {
				low = g
			}
			top = g // groups are ordered by pixel count
		}
		if low == nil {
			continue
		}
		label := set.labels[s]
		lowFPS, _ := mean(values(low.ok(), fpsMean))
		if top == low {
			parts = append(parts, fmt.Sprintf("%s: %.1f fps at 160×90 (no larger resolution)", label, lowFPS))
			continue
		}
		topFPS, _ := mean(values(top.ok(), fpsMean))
		parts = append(parts, fmt.Sprintf("%s: %.1f fps at 160×90, %.1f fps at %s", label, lowFPS, topFPS, top.res.text()))
		near := lowFPS >= thesisTargetFPS-nearTarget && lowFPS <= thesisTargetFPS+nearTarget
		collapse := topFPS < collapseShare*lowFPS
		if near && collapse {
			reproduced = append(reproduced, label)
		} else {
			not = append(not, fmt.Sprintf("%s holds %.0f %% of its 160×90 rate at %s", label, 100*topFPS/lowFPS, top.res.text()))
		}
	}
	if len(parts) == 0 {
		c.measured = "–"
		c.verdict = "not measured in this run: no successful camera trial at 160×90"
		return c
	}
	machine := "this machine is not a Pi"
	if r.env.CPUModel != "" {
		machine = fmt.Sprintf("this machine (%s) is not a Pi", r.env.CPUModel)
	}
	if r.env.Remote {
		machine = "remote camera"
	}
	c.measured = strings.Join(parts, "; ") + " (" + machine + ")"
	switch {
	case len(not) == 0:
		c.verdict = "reproduced"
	case len(reproduced) == 0:
		c.verdict = "not reproduced: " + strings.Join(not, "; ")
	default:
		c.verdict = "reproduced for " + strings.Join(reproduced, ", ") + "; not reproduced: " + strings.Join(not, "; ")
	}
	if !r.env.Remote {
		c.verdict += " — the camera ran on this machine, not on a Raspberry Pi, so this compares the software, not the Pi"
	}
	return c
}

// signalingCPU returns the signaling server's mean CPU over the successful
// signaling-load trials that match keep, and how many there were.
func signalingCPU(r *run, keep func(results.Trial) bool) (cpu float64, n, all int) {
	var vs []float64
	for _, t := range r.ofKind(results.KindSignalingLoad) {
		if !keep(t) {
			continue
		}
		all++
		if !t.OK {
			continue
		}
		if v, ok := cpuOf(results.ProcessSignaling)(t); ok {
			vs = append(vs, v)
		}
	}
	m, _ := mean(vs)
	return m, len(vs), all
}

// signalingEstimate formats the signaling server's mean CPU over the
// signaling-load trials that match keep with its 95 % interval.
func (r *run) signalingEstimate(keep func(results.Trial) bool, cpu float64) string {
	var ts []results.Trial
	for _, t := range r.ofKind(results.KindSignalingLoad) {
		if keep(t) {
			ts = append(ts, t)
		}
	}
	e, ok := r.summarize(ts, cpuMetric(results.ProcessSignaling))
	if !ok {
		return strconv.FormatFloat(cpu, 'f', 2, 64)
	}
	return e.format(2)
}

func (r *run) machine() string {
	if r.env.CPUModel == "" {
		return "this machine"
	}
	return r.env.CPUModel
}

func signalingAt50(r *run) comparison {
	c := comparison{
		claim:  "Signaling server below 1 % CPU with 50 users (§5)",
		thesis: "< 1 % of the CPU with 50 users (Intel i7-8565U)",
	}
	busy := func(t results.Trial) bool {
		return t.Params.Participants == thesisSignalingUsers && t.Params.SignalRate > 0
	}
	used := busy
	cpu, n, all := signalingCPU(r, busy)
	if n == 0 {
		// A run without signals at 50 users still answers the thesis's
		// sentence, which does not say how busy the users were.
		used = func(t results.Trial) bool { return t.Params.Participants == thesisSignalingUsers }
		cpu, n, all = signalingCPU(r, used)
	}
	switch {
	case all == 0:
		c.measured = "–"
		c.verdict = "not measured in this run: no signaling-load trial with 50 participants"
		return c
	case n == 0:
		c.measured = fmt.Sprintf("0 of %d trials ok", all)
		c.verdict = "not measured in this run: every signaling-load trial with 50 participants failed (see Failed trials)"
		return c
	}
	var rates []string
	for _, t := range okTrials(r.ofKind(results.KindSignalingLoad)) {
		if used(t) {
			if s := rateLabel(t.Params.SignalRate); !slices.Contains(rates, s) {
				rates = append(rates, s)
			}
		}
	}
	c.measured = fmt.Sprintf("%s %% mean over %s at 50 participants (%s) on %s", r.signalingEstimate(used, cpu), plural(n, "trial"), strings.Join(rates, ", "), r.machine())
	if cpu < thesisSignalingMaxPct {
		c.verdict = "reproduced"
	} else {
		c.verdict = fmt.Sprintf("not reproduced: %.2f %% ≥ 1 %%", cpu)
	}
	return c
}

func signalingIdle(r *run) comparison {
	c := comparison{
		claim:  "Signaling server at 0.0 % CPU when idle (§5)",
		thesis: "0.0 % CPU unless many users send many signals at once",
	}
	idle := func(t results.Trial) bool { return t.Params.SignalRate == 0 }
	cpu, n, all := signalingCPU(r, idle)
	source := "signaling-load trial{s} with connected clients sending no signals"
	if all == 0 {
		// The media trials measure the server too: after setup it only holds
		// two idle connections.
		var vs []float64
		for _, t := range okTrials(r.media()) {
			if v, ok := cpuOf(results.ProcessSignaling)(t); ok {
				vs = append(vs, v)
			}
		}
		if m, ok := mean(vs); ok {
			cpu, n, all = m, len(vs), len(vs)
			source = "media trial{s}, measurement window only (2 participants, setup done)"
		}
	}
	switch {
	case all == 0:
		c.measured = "–"
		c.verdict = "not measured in this run: no idle signaling-load trial and no media trial measured the signaling server"
		return c
	case n == 0:
		c.measured = fmt.Sprintf("0 of %d trials ok", all)
		c.verdict = "not measured in this run: every idle signaling-load trial failed (see Failed trials)"
		return c
	}
	cpuText := strconv.FormatFloat(cpu, 'f', 2, 64)
	if all > 0 && strings.HasPrefix(source, "signaling-load") {
		cpuText = r.signalingEstimate(idle, cpu)
	}
	c.measured = fmt.Sprintf("%s %% mean over %s", cpuText, plural(n, source))
	if cpu < idleRounding {
		c.verdict = "reproduced"
	} else {
		c.verdict = fmt.Sprintf("not reproduced: %.2f %% rounds above 0.0 %%", cpu)
	}
	return c
}

// plural writes n and the noun, with an "s" when n is not 1: at the "{s}" in
// the noun ("trial{s} with …"), or at the end when it has none.
func plural(n int, noun string) string {
	s := ""
	if n != 1 {
		s = "s"
	}
	if strings.Contains(noun, "{s}") {
		return fmt.Sprintf("%d %s", n, strings.ReplaceAll(noun, "{s}", s))
	}
	return fmt.Sprintf("%d %s%s", n, noun, s)
}

// smallerThanRequested counts the trials whose decoded frames were smaller
// than the requested resolution.
func smallerThanRequested(ts []results.Trial) int {
	n := 0
	for _, t := range ts {
		if t.ReceivedWidth > 0 && t.ReceivedHeight > 0 &&
			t.ReceivedWidth*t.ReceivedHeight < t.Params.Width*t.Params.Height {
			n++
		}
	}
	return n
}
