package reports

import (
	"fmt"

	"echtzeit/harness/phase"
	"echtzeit/harness/results"
)

// PlotSetupBreakdown is the stacked bar chart of the setup's segments.
const PlotSetupBreakdown = "setup-breakdown.png"

// segmentMetric is one setup segment as a metric (ms).
func segmentMetric(s phase.Segment) metric {
	return metric{key: "segment:" + s.Name, name: s.Name, unit: "ms", digits: 0,
		trial: func(t results.Trial) (float64, bool) { return s.Duration(t.Phases) }}
}

var navDelayMetric = metric{key: "navDelay", name: "harness → navigation", unit: "ms", digits: 0,
	trial: func(t results.Trial) (float64, bool) { return deref(t.NavigationDelayMs) }}

// setupSection is the setup on both clocks and its split into segments.
func setupSection(r *run, media []results.Trial) []block {
	if len(values(media, setupMs)) == 0 {
		return nil
	}
	out := []block{
		heading{2, "Setup time: where it goes"},
		para{"The setup from the viewer page's navigation (its performance.timeOrigin) to its first decoded frame, on the page's own clock, " +
			"split into segments that add up to it: page load (navigation → the page's script runs: HTML with its inline early socket, style sheet, the script bundle), " +
			"signaling (→ answer: WebSocket, Hello, Joined, offer and answer), ICE + DTLS (→ the PeerConnection is connected) and " +
			"first frame (→ the first decoded frame is shown: the sender's key frame, its encoding, transport, decoding, rendering). " +
			"\"Harness clock\" adds the harness's own part before the navigation (its request to Chromium over the DevTools protocol). " +
			"Means with 95 % intervals; the median is given too because the goal is stated for it."},
	}
	if p := settleNote(media); p != "" {
		out = append(out, para{p})
	}
	set := sendersOf(media)
	segs := phase.Segments()
	head := []string{"sender", "resolution", "n", "page clock p50", "page clock mean", "harness clock mean", "harness → navigation"}
	for _, s := range segs {
		head = append(head, s.Name)
	}
	right := make([]bool, len(head))
	for i := 2; i < len(right); i++ {
		right[i] = true
	}
	var rows [][]string
	for _, g := range groups(media) {
		reached := values(g.trials, setupPageOrHarness)
		if len(reached) == 0 {
			continue
		}
		row := []string{set.labels[g.sender], g.res.String(), fmt.Sprintf("%d of %d", len(reached), len(g.trials))}
		med, _ := median(reached)
		row = append(row, f0(med))
		for _, m := range []metric{
			{trial: setupPageOrHarness, digits: 0}, {trial: setupMs, digits: 0}, navDelayMetric,
		} {
			row = append(row, r.cell(g.trials, m))
		}
		for _, s := range segs {
			row = append(row, r.cell(g.trials, segmentMetric(s)))
		}
		rows = append(rows, row)
	}
	out = append(out, table{head: head, rows: rows, right: right})
	if goal := setupGoal(media); goal != "" {
		out = append(out, para{goal})
	}
	return out
}

// cell is the summarised metric of ts ("–" when none has it). Setup figures
// come from every trial that reached its first frame, failed or not.
func (r *run) cell(ts []results.Trial, m metric) string {
	var reached []results.Trial
	for _, t := range ts {
		if _, ok := m.trial(t); ok {
			t.OK = true // summarize takes successful trials; a setup is a setup
			reached = append(reached, t)
		}
	}
	e, ok := r.summarize(reached, m)
	if !ok {
		return dash
	}
	return e.format(m.digits)
}

// setupGoalMs is the goal for the page-clock setup's median: the
// camera at 1280×720 VP8 on a LAN.
const setupGoalMs = 300

// setupGoal states the median page-clock setup of the camera at 1280×720
// VP8 against the goal.
func setupGoal(media []results.Trial) string {
	var vs []float64
	for _, t := range media {
		if t.Kind == results.KindCameraToBrowser && t.Params.Codec == "vp8" && t.Params.Width == 1280 && t.Params.Height == 720 {
			if v, ok := setupPageOrHarness(t); ok {
				vs = append(vs, v)
			}
		}
	}
	m, ok := median(vs)
	if !ok {
		return ""
	}
	verdict := "met"
	if m >= setupGoalMs {
		verdict = "not met"
	}
	return fmt.Sprintf("Goal: page-clock navigation → first frame median below %d ms for the camera at 1280×720 VP8: %s (median %.0f ms of %s).",
		setupGoalMs, verdict, m, plural(len(vs), "trial"))
}

// setupBreakdownPlot stacks the mean of each segment per sender and
// resolution.
func setupBreakdownPlot(r *run) (plotResult, error) {
	res := plotResult{file: PlotSetupBreakdown, alt: "Setup time split into page load, signaling, ICE + DTLS and first frame"}
	media := r.media()
	var gs []group
	for _, g := range groups(media) {
		for _, t := range g.trials {
			if _, ok := phase.Segments()[0].Duration(t.Phases); ok && t.SetupMs != nil {
				gs = append(gs, g)
				break
			}
		}
	}
	if len(gs) == 0 {
		return res.skip("no media trial recorded the page's load and connection phases (pageLoaded, dtlsConnected)"), nil
	}
	set := sendersOf(media)
	names := make([]string, len(gs))
	for i, g := range gs {
		names[i] = set.labels[g.sender] + " " + g.res.String()
	}
	var parts []stackPart
	for _, s := range phase.Segments() {
		vals := make([]float64, len(gs))
		for j, g := range gs {
			vals[j], _ = mean(values(g.trials, func(t results.Trial) (float64, bool) { return s.Duration(t.Phases) }))
		}
		parts = append(parts, stackPart{s.Name, vals})
	}
	png, err := stackedBars("Setup on the page's clock by segment (mean of the trials that reached the first frame)",
		"navigation → first frame (ms)", names, parts, setupGoalMs, fmt.Sprintf("goal: %d ms (camera 1280x720 VP8)", setupGoalMs))
	res.png = png
	return res, err
}

// settleNote says how long the first viewers' tabs were open before they
// navigated (the scenario's settle) and how busy the machine was meanwhile;
// "" for runs recorded before the settle.
func settleNote(media []results.Trial) string {
	waits := values(media, func(t results.Trial) (float64, bool) { return deref(t.SettleMs) })
	if len(waits) == 0 {
		return ""
	}
	wait, _ := median(waits)
	note := fmt.Sprintf("Each trial's first viewer tab navigated %s ms (median) after it was opened: the scenario's settle, "+
		"so that Chromium's work for a new tab is over, as for a person who opens the link in a browser already open (harness/settle.go)", f0(wait))
	if busy := values(media, func(t results.Trial) (float64, bool) { return deref(t.SettleBusyCores) }); len(busy) > 0 {
		b, _ := median(busy)
		note += fmt.Sprintf("; the machine was busy with %.2f cores (median) meanwhile", b)
	}
	return note + "."
}
