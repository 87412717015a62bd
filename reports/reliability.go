package reports

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"echtzeit/harness/results"
	"echtzeit/harness/stats"
)

// setupGroup is every setup attempt of one sender program under one CPU
// budget, over all codecs and resolutions (thesis §5: "stream setup").
type setupGroup struct {
	program string // "GStreamer sender", "echtzeit camera", "browser", …
	cpu     string // the budget, "" without one
	n, ok   int
	setupMs []float64
	reasons map[string]int
}

// rate is the share of setups that reached the first frame.
func (g setupGroup) rate() float64 { return float64(g.ok) / float64(g.n) }

// wilson is the 95 % Wilson interval of the rate.
func (g setupGroup) wilson() (lo, hi float64) {
	lo, hi, _ = stats.Wilson(g.ok, g.n, stats.Z95)
	return lo, hi
}

// text is "31 of 32 (96.9 %, 95 % CI 84.3–99.4 %), setup p50 1.2 s, p95 1.9 s".
func (g setupGroup) text() string {
	lo, hi := g.wilson()
	s := fmt.Sprintf("%d of %d (%.1f %%, 95 %% CI %.1f–%.1f %%)", g.ok, g.n, 100*g.rate(), 100*lo, 100*hi)
	if sum, err := stats.Summarize(g.setupMs); err == nil {
		s += fmt.Sprintf(", setup p50 %.1f s, p95 %.1f s", sum.P50/1000, sum.P95/1000)
	}
	return s
}

// programOf names who sent in a media trial, for the reliability figures.
func programOf(t results.Trial) string {
	switch {
	case t.Kind == results.KindBrowserToBrowser:
		return "browser"
	case t.Params.Sender == results.SenderGStreamer:
		return "GStreamer sender"
	case t.Remote:
		return "echtzeit camera (remote)"
	}
	return "echtzeit camera"
}

func programRank(p string) int {
	return slices.Index([]string{"browser", "echtzeit camera", "echtzeit camera (remote)", "GStreamer sender"}, p)
}

// maxReasonLen bounds a failure reason in the reliability table.
const maxReasonLen = 160

// setupGroups splits the media trials by program and budget. A setup succeeded
// when the first frame was decoded, whatever happened in the measurement after.
func setupGroups(media []results.Trial) []setupGroup {
	var out []setupGroup
	for _, t := range media {
		p, cpu := programOf(t), t.Params.CPU
		i := slices.IndexFunc(out, func(g setupGroup) bool { return g.program == p && g.cpu == cpu })
		if i < 0 {
			out = append(out, setupGroup{program: p, cpu: cpu, reasons: map[string]int{}})
			i = len(out) - 1
		}
		g := &out[i]
		g.n++
		if t.SetupMs != nil {
			g.ok++
			g.setupMs = append(g.setupMs, *t.SetupMs)
			continue
		}
		reason := orDash(t.FailReason)
		if len(reason) > maxReasonLen {
			reason = reason[:maxReasonLen] + "…"
		}
		g.reasons[reason]++
	}
	slices.SortFunc(out, func(a, b setupGroup) int {
		if c := cmp.Compare(programRank(a.program), programRank(b.program)); c != 0 {
			return c
		}
		return budgetOrder(a.cpu, b.cpu)
	})
	return out
}

// pooled joins the groups of program whose budget is none or host: the
// machine as it is.
func pooled(gs []setupGroup, program string) (setupGroup, bool) {
	out := setupGroup{program: program, reasons: map[string]int{}}
	for _, g := range gs {
		if g.program != program || (g.cpu != "" && g.cpu != "host") {
			continue
		}
		out.n += g.n
		out.ok += g.ok
		out.setupMs = append(out.setupMs, g.setupMs...)
		for r, n := range g.reasons {
			out.reasons[r] += n
		}
	}
	return out, out.n > 0
}

// reliabilitySection is the report's "Setup reliability" table.
func reliabilitySection(media []results.Trial) []block {
	gs := setupGroups(media)
	head := []string{"sender", "cpu", "set up", "rate %", "95 % CI %", "setup p5 / p50 / p95 / max ms", "failures"}
	right := []bool{false, false, true, true, true, true, false}
	var rows [][]string
	for _, g := range gs {
		lo, hi := g.wilson()
		dist := dash
		if s, err := stats.Summarize(g.setupMs); err == nil {
			dist = fmt.Sprintf("%s / %s / %s / %s", f0(s.P5), f0(s.P50), f0(s.P95), f0(s.Max))
		}
		rows = append(rows, []string{
			g.program, orDash(g.cpu), fmt.Sprintf("%d of %d", g.ok, g.n), f1(100 * g.rate()),
			fmt.Sprintf("%s–%s", f1(100*lo), f1(100*hi)), dist, reasonsText(g.reasons),
		})
	}
	return []block{
		heading{2, "Setup reliability"},
		para{"Every media trial is a setup: a fresh sender process (or page) and a fresh viewer page in a new room. " +
			"A setup succeeded when the viewer decoded its first frame within the trial's timeout. " +
			"The interval is the Wilson score interval (95 %); setup times are from the viewer's navigation to its first decoded frame, over the successful setups."},
		table{head: head, rows: rows, right: right},
	}
}

// reasonsText lists failure reasons, most frequent first.
func reasonsText(reasons map[string]int) string {
	if len(reasons) == 0 {
		return "none"
	}
	keys := slices.Collect(maps.Keys(reasons))
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(reasons[b], reasons[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d× %s", reasons[k], k))
	}
	return strings.Join(parts, "; ")
}

// setupReliability is the thesis row "GStreamer's setup considerably more
// unstable and unreliable than the browsers'" (§5): the GStreamer sender's
// setup rate against the browsers' (the echtzeit camera's when the run has no
// browser trials), both without a CPU budget. "Considerably less reliable"
// is read as: the GStreamer interval lies wholly below the other one.
func setupReliability(r *run) comparison {
	c := comparison{
		claim:  "Stream setup reliability (§5: GStreamer's setup \"considerably more unstable and unreliable\" than the browsers')",
		thesis: "unreliable setup with the GStreamer camera; reliable between browsers; no rate given",
	}
	media := r.media()
	if len(media) == 0 {
		c.measured = dash
		c.verdict = "not measured in this run: no media trial"
		return c
	}
	gs := setupGroups(media)
	var parts []string
	for _, p := range []string{"GStreamer sender", "echtzeit camera", "echtzeit camera (remote)", "browser"} {
		if g, ok := pooled(gs, p); ok {
			parts = append(parts, p+": "+g.text())
		}
	}
	c.measured = strings.Join(parts, "; ")
	if c.measured == "" {
		c.measured = dash
		c.verdict = "not measured in this run: every media trial ran under a CPU budget (see Setup reliability)"
		return c
	}
	gst, hasGst := pooled(gs, "GStreamer sender")
	ref, hasRef := pooled(gs, "browser")
	if !hasGst {
		c.verdict = "not measured in this run: no GStreamer sender trial (scenario axis senders: [gstreamer])"
		if cam, ok := pooled(gs, "echtzeit camera"); ok && cam.ok < cam.n {
			c.verdict += fmt.Sprintf("; the echtzeit camera failed %d of %d setups", cam.n-cam.ok, cam.n)
		}
		return c
	}
	if !hasRef {
		if ref, hasRef = pooled(gs, "echtzeit camera"); !hasRef {
			c.verdict = "not measured in this run: no browser or camera trial to compare the GStreamer sender with"
			return c
		}
	}
	gLo, gHi := gst.wilson()
	rLo, _ := ref.wilson()
	switch {
	case gHi < rLo:
		c.verdict = fmt.Sprintf("reproduced: the GStreamer sender set up significantly less often than the %s (its 95 %% interval ends at %.1f %%, below the %s's %.1f %%)", ref.program, 100*gHi, ref.program, 100*rLo)
	case gst.ok < gst.n:
		c.verdict = fmt.Sprintf("not reproduced: %d of %d GStreamer setups failed (see Setup reliability), but its 95 %% interval (%.1f–%.1f %%) overlaps the %s's", gst.n-gst.ok, gst.n, 100*gLo, 100*gHi, ref.program)
	default:
		c.verdict = fmt.Sprintf("not reproduced: all %d GStreamer setups succeeded (95 %% CI %.1f–100 %%) — with this project's signaling and libnice on loopback the setup is reliable", gst.n, 100*gLo)
	}
	c.verdict += slowerSetup(gst, ref)
	return c
}

// slowerSetup notes when the GStreamer sender's median setup took more than
// twice the reference's: slow, if not unreliable (webrtcbin makes an RSA
// DTLS certificate for every connection; DESIGN.md "The GStreamer sender").
func slowerSetup(gst, ref setupGroup) string {
	g, err1 := stats.Percentile(gst.setupMs, 50)
	r, err2 := stats.Percentile(ref.setupMs, 50)
	if err1 != nil || err2 != nil || g <= 2*r {
		return ""
	}
	return fmt.Sprintf("; but its setup was slower: median %.1f s against the %s's %.1f s", g/1000, ref.program, r/1000)
}
