package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"echtzeit/harness/link"
	"echtzeit/harness/results"
)

// Thresholds of the networks section's verdicts: the thesis's frame rate
// target (§4.2), issue 9's latency goal for 3g, and a second of frozen
// picture in the measurement window.
const (
	usableLatencyP95Ms = 400
	usableFreezeMs     = 1000
	// overLinkShare: a sender that sends more than this share of the link's
	// capacity fills the link's queue.
	overLinkShare = 1.05
	// Step recovery (issue 9): after a drop of the capacity the latency is
	// back below stepLatencyMs, after a rise the received bitrate above
	// stepBitrateShare of the capacity.
	stepLatencyMs    = 200
	stepBitrateShare = 0.7
)

// plain reports whether a media trial ran under the thesis's conditions: no
// emulated network, or lan on both sides.
func plain(t results.Trial) bool {
	p := t.Params
	return p.Network == "" || (p.Network == "lan" && (p.ViewerNetwork == "" || p.ViewerNetwork == "lan"))
}

// networked returns the media trials that ran over an emulated network.
func (r *run) networked() []results.Trial {
	var out []results.Trial
	for _, t := range r.trials {
		if isMedia(t.Kind) && t.Params.Network != "" && single(t) {
			out = append(out, t)
		}
	}
	return out
}

// profileNames returns the sender networks of ts: the built-in ones in the
// order of their table, then the others by name.
func profileNames(ts []results.Trial) []string {
	var out []string
	for _, t := range ts {
		if !slices.Contains(out, t.Params.Network) {
			out = append(out, t.Params.Network)
		}
	}
	order := func(n string) int {
		if i := slices.Index(link.BuiltinNames(), n); i >= 0 {
			return i
		}
		return len(link.BuiltinNames())
	}
	slices.SortFunc(out, func(a, b string) int {
		if c := cmp.Compare(order(a), order(b)); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return out
}

// netGroup is the trials of one sender at one resolution over one pair of
// networks.
type netGroup struct {
	sender sender
	res    resolution
	viewer string
	trials []results.Trial
}

func netGroups(ts []results.Trial) []netGroup {
	var out []netGroup
	for _, t := range ts {
		s, r, v := senderOf(t), resolutionOf(t), t.Params.ViewerNetwork
		i := slices.IndexFunc(out, func(g netGroup) bool { return g.sender == s && g.res == r && g.viewer == v })
		if i < 0 {
			out = append(out, netGroup{sender: s, res: r, viewer: v})
			i = len(out) - 1
		}
		out[i].trials = append(out[i].trials, t)
	}
	slices.SortFunc(out, func(a, b netGroup) int {
		if c := cmp.Compare(a.viewer, b.viewer); c != 0 {
			return c
		}
		if c := compareResolution(a.res, b.res); c != 0 {
			return c
		}
		return compareSender(a.sender, b.sender)
	})
	return out
}

// figures are a group's means over its successful trials (NaN: unmeasured).
type figures struct {
	ok, n                                         int
	fps, fpsP5, freezes, freezeMs, latP50, latP95 float64
	received, sent, link, target, rtt             float64
	failReason                                    string
}

func figuresOf(ts []results.Trial) figures {
	ok := okTrials(ts)
	m := func(f func(results.Trial) (float64, bool)) float64 {
		v, has := mean(values(ok, f))
		if !has {
			return math.NaN()
		}
		return v
	}
	f := figures{
		ok: len(ok), n: len(ts),
		fps:      m(fpsMean),
		fpsP5:    m(func(t results.Trial) (float64, bool) { return t.FPSP5, true }),
		freezes:  m(func(t results.Trial) (float64, bool) { return float64(t.FreezeCount), true }),
		freezeMs: m(func(t results.Trial) (float64, bool) { return t.FreezeDurationMs, true }),
		latP50:   m(latencyP50),
		latP95:   m(latencyP95),
		received: m(func(t results.Trial) (float64, bool) { return t.BitrateKbps, true }),
		sent: m(func(t results.Trial) (float64, bool) {
			return senderField(t, func(s *results.SenderStats) *float64 { return s.BitrateKbps })
		}),
		target: m(func(t results.Trial) (float64, bool) {
			return senderField(t, func(s *results.SenderStats) *float64 { return s.TargetBitrateKbps })
		}),
		link: m(func(t results.Trial) (float64, bool) { return deref(t.LinkKbps) }),
		rtt:  m(func(t results.Trial) (float64, bool) { return deref(t.RTTMs) }),
	}
	for _, t := range ts {
		if !t.OK {
			f.failReason = t.FailReason
			break
		}
	}
	return f
}

func senderField(t results.Trial, get func(*results.SenderStats) *float64) (float64, bool) {
	if t.Sender == nil {
		return 0, false
	}
	return deref(get(t.Sender))
}

// share is sent / link as a percentage.
func (f figures) share() float64 { return f.sent / f.link * 100 }

func profileTable(gs []netGroup, labels map[sender]string) table {
	viewers := slices.ContainsFunc(gs, func(g netGroup) bool { return g.viewer != "lan" })
	head := []string{"sender", "resolution"}
	if viewers {
		head = append(head, "viewer link")
	}
	head = append(head, "ok", "fps mean", "fps p5", "freezes", "frozen ms", "latency p50 / p95 ms",
		"received kbit/s", "sent kbit/s", "link kbit/s", "sent / link %", "target kbit/s", "RTT ms")
	right := make([]bool, len(head))
	for i := range right {
		right[i] = i >= len(head)-12
	}
	var rows [][]string
	for _, g := range gs {
		f := figuresOf(g.trials)
		row := []string{labels[g.sender], g.res.String()}
		if viewers {
			row = append(row, g.viewer)
		}
		lat := dash
		if !math.IsNaN(f.latP50) || !math.IsNaN(f.latP95) {
			lat = f0(f.latP50) + " / " + f0(f.latP95)
		}
		row = append(row, fmt.Sprintf("%d/%d", f.ok, f.n), f1(f.fps), f1(f.fpsP5), f1(f.freezes), f0(f.freezeMs), lat,
			f0(f.received), f0(f.sent), f0(f.link), f0(f.share()), f0(f.target), f0(f.rtt))
		rows = append(rows, row)
	}
	return table{head: head, rows: rows, right: right}
}

// judge says whether a group's stream was usable and, if not, why.
func judge(f figures) (usable bool, why []string) {
	if f.ok == 0 {
		return false, []string{"no trial succeeded (" + orDash(f.failReason) + ")"}
	}
	if f.fps < thesisTargetFPS {
		why = append(why, fmt.Sprintf("%s fps is below %d", f1(f.fps), thesisTargetFPS))
	}
	if f.latP95 >= usableLatencyP95Ms {
		why = append(why, fmt.Sprintf("latency p95 %s ms", f0(f.latP95)))
	}
	if f.freezeMs >= usableFreezeMs {
		why = append(why, fmt.Sprintf("frozen %s s", f1(f.freezeMs/1000)))
	}
	if f.share() > overLinkShare*100 {
		why = append(why, fmt.Sprintf("sends %s %% of the link", f0(f.share())))
	}
	return len(why) == 0, why
}

// profileVerdict is the profile's verdict in words: which streams were
// usable, which not and why, and how the senders followed changes of the
// link's capacity.
func profileVerdict(name string, gs []netGroup, labels map[sender]string, r *run) string {
	var good, bad []string
	for _, g := range gs {
		what := labels[g.sender] + " at " + g.res.text()
		if g.viewer != "lan" {
			what += " (viewer over " + g.viewer + ")"
		}
		f := figuresOf(g.trials)
		if ok, why := judge(f); ok {
			good = append(good, fmt.Sprintf("%s (%s fps)", what, f1(f.fps)))
		} else {
			bad = append(bad, what+": "+strings.Join(why, ", "))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Over %s, ", name)
	switch {
	case len(bad) == 0:
		fmt.Fprintf(&b, "every stream was usable: %s.", strings.Join(good, "; "))
	case len(good) == 0:
		fmt.Fprintf(&b, "no stream was usable: %s.", strings.Join(bad, "; "))
	default:
		fmt.Fprintf(&b, "usable: %s. Not usable: %s.", strings.Join(good, "; "), strings.Join(bad, "; "))
	}
	for _, s := range ccSentences(gs, labels) {
		b.WriteString(" " + s)
	}
	for _, g := range gs {
		for _, t := range okTrials(g.trials) {
			if s := stepSentence(t, labels[g.sender], r.samples); s != "" {
				b.WriteString(" " + s)
			}
		}
	}
	return b.String()
}

// ccSentences compare each camera that ran with congestion control (gcc)
// with the same camera without it (off) at the same resolution and viewer
// link: how much of the link each sent, their frame rates, freezes and
// latency.
func ccSentences(gs []netGroup, labels map[sender]string) []string {
	var out []string
	for _, on := range gs {
		if on.sender.cc != "gcc" {
			continue
		}
		offSender := on.sender
		offSender.cc = "off"
		i := slices.IndexFunc(gs, func(g netGroup) bool { return g.sender == offSender && g.res == on.res && g.viewer == on.viewer })
		if i < 0 {
			continue
		}
		a, b := figuresOf(on.trials), figuresOf(gs[i].trials)
		if a.ok == 0 || b.ok == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("At %s, %s sent %s %% of the link (target %s kbit/s) at %s fps with %s ms frozen and a latency p95 of %s ms; "+
			"%s sent %s %% at %s fps with %s ms frozen and %s ms.",
			on.res.text(), labels[on.sender], f0(a.share()), f0(a.target), f1(a.fps), f0(a.freezeMs), f0(a.latP95),
			labels[offSender], f0(b.share()), f1(b.fps), f0(b.freezeMs), f0(b.latP95)))
	}
	return out
}

// stepSentence says how trial t followed the first drop and the first rise
// of its link's capacity (a schedule, a trace), from samples.csv; "" when the
// capacity did not change.
func stepSentence(t results.Trial, label string, samples []results.Sample) string {
	rec := stepRecovery(t.Index, samples)
	if !rec.dropped && !rec.rose {
		return ""
	}
	var parts []string
	if rec.dropped {
		s := fmt.Sprintf("the capacity fell to %s kbit/s at %s s", f0(rec.dropTo), f0(rec.dropAt))
		switch {
		case !rec.hasLatency:
			s += " (no latency: the sender draws no frame code)"
		case rec.latencyFound:
			s += fmt.Sprintf(" and the latency was below %d ms again %s s later", stepLatencyMs, f1(rec.latencyBack))
		default:
			s += fmt.Sprintf(" and the latency did not come back below %d ms", stepLatencyMs)
		}
		parts = append(parts, s)
	}
	if rec.rose {
		s := fmt.Sprintf("it rose to %s kbit/s at %s s and the received bitrate reached %s kbit/s", f0(rec.riseTo), f0(rec.riseAt), f0(rec.bitrateGoal))
		if rec.bitrateFound {
			s += fmt.Sprintf(" %s s later", f1(rec.bitrateBack))
		} else {
			s += " not before the trial ended"
		}
		parts = append(parts, s)
	}
	return fmt.Sprintf("Trial #%d (%s at %s): %s.", t.Index, label, resolutionOf(t).text(), strings.Join(parts, "; "))
}

// recovery is what stepRecovery found; times are seconds of the trial (t_s).
type recovery struct {
	dropped, rose              bool
	dropAt, dropTo             float64
	riseAt, riseTo             float64
	hasLatency                 bool    // the viewer measured latency at all
	latencyBack, bitrateBack   float64 // seconds after the change
	latencyFound, bitrateFound bool
	// bitrateGoal is what the received bitrate must reach after the rise:
	// stepBitrateShare of the new capacity, or 90 % of what it was before
	// the drop when that is less (a sender that never needed the link).
	bitrateGoal float64
}

// stepRecovery finds the first halving and the first doubling of the link's
// capacity in trial's link rows and how long the viewer took to recover:
// latency below stepLatencyMs after the drop, received bitrate back to the
// goal after the rise. Rows are a second apart, so the times are good to
// about a second.
func stepRecovery(trial int, samples []results.Sample) recovery {
	var links, viewers []results.Sample
	for _, s := range samples {
		if s.Trial != trial {
			continue
		}
		switch {
		case s.Process == results.ProcessLink && !math.IsNaN(s.LinkKbps):
			links = append(links, s)
		case s.Process == results.ProcessViewer:
			viewers = append(viewers, s)
		}
	}
	var rec recovery
	for i := 1; i < len(links); i++ {
		prev, cur := links[i-1].LinkKbps, links[i].LinkKbps
		if !rec.dropped && cur <= prev/2 {
			rec.dropped, rec.dropAt, rec.dropTo = true, links[i].T, settled(links[i:], true)
		}
		if rec.dropped && !rec.rose && links[i].T > rec.dropAt && cur >= prev*2 {
			rec.rose, rec.riseAt, rec.riseTo = true, links[i].T, settled(links[i:], false)
		}
	}
	var before []float64
	for _, v := range viewers {
		if !math.IsNaN(v.LatencyMs) {
			rec.hasLatency = true
		}
		if rec.dropped && v.T < rec.dropAt && v.T >= rec.dropAt-5 && !math.IsNaN(v.BitrateKbps) {
			before = append(before, v.BitrateKbps)
		}
	}
	if rec.dropped {
		for _, v := range viewers {
			if v.T > rec.dropAt && !math.IsNaN(v.LatencyMs) && v.LatencyMs < stepLatencyMs {
				rec.latencyBack, rec.latencyFound = v.T-rec.dropAt, true
				break
			}
		}
	}
	if rec.rose {
		rec.bitrateGoal = stepBitrateShare * rec.riseTo
		if m, ok := mean(before); ok {
			rec.bitrateGoal = math.Min(rec.bitrateGoal, 0.9*m)
		}
		for _, v := range viewers {
			if v.T > rec.riseAt && !math.IsNaN(v.BitrateKbps) && v.BitrateKbps >= rec.bitrateGoal {
				rec.bitrateBack, rec.bitrateFound = v.T-rec.riseAt, true
				break
			}
		}
	}
	return rec
}

// settled is the capacity the link settles at from the first row on: the
// lowest after a drop (falling), the highest after a rise, up to the next
// change of half or more the other way.
func settled(rows []results.Sample, falling bool) float64 {
	v := rows[0].LinkKbps
	for _, r := range rows[1:] {
		if falling && r.LinkKbps > v*1.5 || !falling && r.LinkKbps < v/1.5 {
			break
		}
		if falling {
			v = math.Min(v, r.LinkKbps)
		} else {
			v = math.Max(v, r.LinkKbps)
		}
	}
	return v
}

// networkSection adds "Networks": per sender profile a table of the senders
// side by side, its verdict and the time series of its trials.
func networkSection(d *document, r *run, plots []plotResult) {
	ts := r.networked()
	if len(ts) == 0 {
		return
	}
	labels := sendersOf(ts).labels
	d.add(heading{2, "Networks"})
	d.add(para{fmt.Sprintf("Trials over emulated access links (the sender's profile; the viewers' is lan unless the table says). "+
		"Means over the successful repeats. \"received\" is the viewer's bitrate, \"sent\" the sender's own count, \"link\" the capacity "+
		"of the media path (the sender's uplink or the viewers' downlink, the smaller) in the measurement window, \"target\" the sender's "+
		"congestion-control target where it reports one, RTT the viewer's candidate pair's round trip. A stream counts as usable at %d fps "+
		"or more (thesis §4.2), a latency p95 under %d ms, less than %.0f s frozen and no more than %.0f %% of the link sent.",
		thesisTargetFPS, usableLatencyP95Ms, usableFreezeMs/1000.0, overLinkShare*100)})
	byFile := map[string]plotResult{}
	for _, p := range plots {
		byFile[p.file] = p
	}
	for _, name := range profileNames(ts) {
		var mine []results.Trial
		for _, t := range ts {
			if t.Params.Network == name {
				mine = append(mine, t)
			}
		}
		d.add(heading{3, name})
		if p, err := link.Builtin(name); err == nil {
			d.add(para{fmt.Sprintf("Up %s; down %s. %s.", p.Up, p.Down, p.Description)})
		} else {
			d.add(para{"Defined in the scenario (scenario.yaml, networks)."})
		}
		gs := netGroups(mine)
		d.add(profileTable(gs, labels))
		d.add(para{profileVerdict(name, gs, labels, r)})
		for _, t := range mine {
			if p, ok := byFile[seriesFile(t.Index)]; ok && p.png != nil {
				d.add(figure{file: p.file, alt: p.alt})
			}
		}
	}
}

// seriesFile is the time-series plot of trial i.
func seriesFile(i int) string { return "series-" + strconv.Itoa(i) + ".png" }
