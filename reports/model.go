package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"echtzeit/harness/cgroup"
	"echtzeit/harness/results"
	"echtzeit/harness/stats"
	"echtzeit/internal/contract"
)

// resolution is a requested frame size. Resolutions sort by pixel count, then
// width.
type resolution struct{ W, H int }

func (r resolution) String() string { return fmt.Sprintf("%dx%d", r.W, r.H) }

// text is the resolution as the report's prose writes it (720×480).
func (r resolution) text() string { return fmt.Sprintf("%d×%d", r.W, r.H) }

func (r resolution) pixels() int { return r.W * r.H }

func compareResolution(a, b resolution) int {
	if c := cmp.Compare(a.pixels(), b.pixels()); c != 0 {
		return c
	}
	return cmp.Compare(a.W, b.W)
}

func resolutionOf(t results.Trial) resolution {
	return resolution{W: t.Params.Width, H: t.Params.Height}
}

// resolutions returns the distinct requested resolutions of ts, ordered by
// pixel count.
func resolutions(ts []results.Trial) []resolution {
	var out []resolution
	for _, t := range ts {
		r := resolutionOf(t)
		if r.W == 0 || r.H == 0 || slices.Contains(out, r) {
			continue
		}
		out = append(out, r)
	}
	slices.SortFunc(out, compareResolution)
	return out
}

// sender is who streamed in a media trial: a series of the plots.
type sender struct {
	kind    results.Kind
	program string // params.sender of camera trials: "echtzeit" or "gstreamer"
	codec   contract.Codec
	source  string
	cpu     string // the CPU budget, "" without one
	cc      string // the camera's congestion control when swept ("gcc", "off"), "" otherwise
	remote  bool
}

func senderOf(t results.Trial) sender {
	s := sender{kind: t.Kind, codec: t.Params.Codec, remote: t.Remote, cpu: t.Params.CPU, source: t.Params.Source, cc: t.Params.CongestionControl}
	if t.Kind == results.KindCameraToBrowser {
		s.program = t.Params.Sender
		if s.program == "" {
			s.program = results.SenderEchtzeit // runs from before the senders axis
		}
	}
	return s
}

// programOrder puts the echtzeit camera before the GStreamer sender.
func programOrder(p string) int {
	if p == results.SenderGStreamer {
		return 1
	}
	return 0
}

// budgetOrder puts no budget and host first, then larger quotas before
// smaller ones.
func budgetOrder(a, b string) int {
	rank := func(s string) (int, float64) {
		switch s {
		case "":
			return 0, 0
		case "host":
			return 1, 0
		}
		if bg, err := cgroup.ParseBudget(s, nil); err == nil {
			return 2, -bg.Cores
		}
		return 3, 0
	}
	ra, ca := rank(a)
	rb, cb := rank(b)
	if c := cmp.Compare(ra, rb); c != 0 {
		return c
	}
	if c := cmp.Compare(ca, cb); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

func codecOrder(c contract.Codec) int {
	if i := slices.Index(contract.Codecs(), c); i >= 0 {
		return i
	}
	return len(contract.Codecs())
}

func compareSender(a, b sender) int {
	if c := cmp.Compare(kindOrder(a.kind), kindOrder(b.kind)); c != 0 {
		return c
	}
	if c := cmp.Compare(programOrder(a.program), programOrder(b.program)); c != 0 {
		return c
	}
	if c := budgetOrder(a.cpu, b.cpu); c != 0 {
		return c
	}
	if c := cmp.Compare(codecOrder(a.codec), codecOrder(b.codec)); c != 0 {
		return c
	}
	if c := cmp.Compare(a.codec, b.codec); c != 0 {
		return c
	}
	if c := cmp.Compare(a.source, b.source); c != 0 {
		return c
	}
	if c := cmp.Compare(a.cc, b.cc); c != 0 { // gcc before off
		return c
	}
	if a.remote != b.remote {
		if !a.remote {
			return -1
		}
		return 1
	}
	return 0
}

func kindOrder(k results.Kind) int {
	if i := slices.Index(results.Kinds, k); i >= 0 {
		return i
	}
	return len(results.Kinds)
}

// codecName is the codec as people write it.
func codecName(c contract.Codec) string { return c.Label() }

// senderSet is the senders of a run with their labels. A label names the
// source only when the run has senders of that kind with different sources.
type senderSet struct {
	list   []sender
	labels map[sender]string
}

func sendersOf(ts []results.Trial) senderSet {
	var set senderSet
	sources, budgets := map[results.Kind]map[string]bool{}, map[string]bool{}
	for _, t := range ts {
		s := senderOf(t)
		if !slices.Contains(set.list, s) {
			set.list = append(set.list, s)
		}
		if t.Kind == results.KindCameraToBrowser {
			budgets[s.cpu] = true
		}
		if sources[t.Kind] == nil {
			sources[t.Kind] = map[string]bool{}
		}
		sources[t.Kind][s.source] = true
	}
	slices.SortFunc(set.list, compareSender)
	set.labels = make(map[sender]string, len(set.list))
	for _, s := range set.list {
		parts := []string{"camera"}
		switch {
		case s.kind == results.KindBrowserToBrowser:
			parts[0] = "browser"
		case s.program == results.SenderGStreamer:
			parts[0] = "GStreamer"
		}
		if s.codec != "" {
			parts = append(parts, codecName(s.codec))
		}
		// The source only when the run has senders of this kind with
		// different sources (camera synthetic/rpicam, browser fake/canvas).
		if len(sources[s.kind]) > 1 && s.source != "" {
			parts = append(parts, s.source)
		}
		if s.cpu != "" && (s.cpu != "host" || len(budgets) > 1) {
			parts = append(parts, "cpu "+s.cpu)
		}
		switch s.cc {
		case "gcc":
			parts = append(parts, "gcc")
		case "off":
			parts = append(parts, "cc off")
		}
		if s.remote {
			parts = append(parts, "(remote)")
		}
		set.labels[s] = strings.Join(parts, " ")
	}
	return set
}

// group is the trials of one sender at one resolution.
type group struct {
	sender sender
	res    resolution
	trials []results.Trial
}

// ok returns the successful trials of the group.
func (g group) ok() []results.Trial { return okTrials(g.trials) }

func okTrials(ts []results.Trial) []results.Trial {
	var out []results.Trial
	for _, t := range ts {
		if t.OK {
			out = append(out, t)
		}
	}
	return out
}

// groups splits media trials by sender and resolution, ordered by sender then
// pixel count.
func groups(ts []results.Trial) []group {
	var out []group
	for _, t := range ts {
		s, r := senderOf(t), resolutionOf(t)
		i := slices.IndexFunc(out, func(g group) bool { return g.sender == s && g.res == r })
		if i < 0 {
			out = append(out, group{sender: s, res: r})
			i = len(out) - 1
		}
		out[i].trials = append(out[i].trials, t)
	}
	slices.SortFunc(out, func(a, b group) int {
		if c := compareSender(a.sender, b.sender); c != 0 {
			return c
		}
		return compareResolution(a.res, b.res)
	})
	return out
}

// values collects f over ts, dropping NaN and values f marks as missing.
func values(ts []results.Trial, f func(results.Trial) (float64, bool)) []float64 {
	var out []float64
	for _, t := range ts {
		if v, ok := f(t); ok && !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	return out
}

func fpsMean(t results.Trial) (float64, bool) { return t.FPSMean, true }

func setupMs(t results.Trial) (float64, bool) { return deref(t.SetupMs) }

// maxPlausibleLatencyMs bounds the end-to-end latencies the report believes:
// a frame code read from a picture that carries none, or clocks that disagree,
// give values below zero or far above any real stream's delay.
const maxPlausibleLatencyMs = 60_000

func plausibleLatency(v float64) bool { return v >= 0 && v < maxPlausibleLatencyMs }

// latencyImplausible reports whether t has a latency figure the report
// refuses to plot.
func latencyImplausible(t results.Trial) bool {
	for _, p := range []*float64{t.LatencyP50Ms, t.LatencyP95Ms} {
		if p != nil && !plausibleLatency(*p) {
			return true
		}
	}
	return false
}

func latencyP50(t results.Trial) (float64, bool) {
	if latencyImplausible(t) {
		return 0, false
	}
	return deref(t.LatencyP50Ms)
}

func latencyP95(t results.Trial) (float64, bool) {
	if latencyImplausible(t) {
		return 0, false
	}
	return deref(t.LatencyP95Ms)
}

func cpuOf(process string) func(results.Trial) (float64, bool) {
	return func(t results.Trial) (float64, bool) {
		p, ok := t.Processes[process]
		if !ok || p.Samples == 0 {
			return 0, false
		}
		return p.CPUPct, true
	}
}

func deref(p *float64) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return *p, true
}

// mean is stats.Mean with ok = false for no values.
func mean(xs []float64) (float64, bool) {
	m, err := stats.Mean(xs)
	return m, err == nil
}

// median is the 50th percentile, ok = false for no values.
func median(xs []float64) (float64, bool) {
	m, err := stats.Percentile(xs, 50)
	return m, err == nil
}

// processNames lists the processes measured in ts in a fixed order: camera,
// browser, signaling, harness, then any other name alphabetically.
func processNames(ts []results.Trial) []string {
	seen := map[string]bool{}
	for _, t := range ts {
		for name := range t.Processes {
			seen[name] = true
		}
	}
	fixed := []string{results.ProcessCamera, results.ProcessGStreamer, results.ProcessBrowser, results.ProcessSignaling, results.ProcessHarness}
	var out, rest []string
	for _, n := range fixed {
		if seen[n] {
			out = append(out, n)
			delete(seen, n)
		}
	}
	for n := range seen {
		rest = append(rest, n)
	}
	slices.Sort(rest)
	return append(out, rest...)
}
