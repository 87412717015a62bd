package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"echtzeit/harness/nat"
	"echtzeit/harness/results"
)

// Goals of the paths and fan-out trials (issue #11).
const (
	relaySetupSlackMs  = 150 // setup p50 through the relay at most this much above direct
	fanOutCPUFactor    = 1.5 // camera CPU with 4 viewers at most this × one viewer
	fanOutCPUViewers   = 4
	fanOutMinViewerFPS = 25 // every viewer over lan
)

// single reports whether the trial had one viewer and no NAT/relay path:
// the trials the sections per resolution and per network are about.
func single(t results.Trial) bool { return t.Params.Path == "" && t.Params.Viewers <= 1 }

// pathTrials returns the one-viewer media trials that ran on a NAT/relay
// path (those with more viewers are in the viewers section).
func pathTrials(r *run) []results.Trial {
	var out []results.Trial
	for _, t := range r.trials {
		if isMedia(t.Kind) && t.Params.Path != "" && t.Params.Viewers <= 1 {
			out = append(out, t)
		}
	}
	return out
}

// pathOrder sorts paths as nat.Paths lists them.
func pathOrder(p string) int {
	if i := slices.Index(nat.PathNames(), p); i >= 0 {
		return i
	}
	return len(nat.Paths)
}

// pathGroup is the trials of one sender on one path.
type pathGroup struct {
	path   string
	sender sender
	trials []results.Trial
}

func pathGroups(ts []results.Trial) []pathGroup {
	var out []pathGroup
	for _, t := range ts {
		s := senderOf(t)
		i := slices.IndexFunc(out, func(g pathGroup) bool { return g.path == t.Params.Path && g.sender == s })
		if i < 0 {
			out = append(out, pathGroup{path: t.Params.Path, sender: s})
			i = len(out) - 1
		}
		out[i].trials = append(out[i].trials, t)
	}
	slices.SortFunc(out, func(a, b pathGroup) int {
		if c := compareSender(a.sender, b.sender); c != 0 {
			return c
		}
		return cmp.Compare(pathOrder(a.path), pathOrder(b.path))
	})
	return out
}

// setUp reports whether the trial's stream was set up (a first frame).
func setUp(t results.Trial) bool { return t.SetupMs != nil }

// pairText is a candidate pair as "local → remote" (with the TURN transport).
func pairText(c *results.CandidatePair) string {
	if c == nil {
		return dash
	}
	s := c.LocalType + " → " + c.RemoteType
	if c.RelayProtocol != "" {
		s += " (TURN/" + strings.ToUpper(c.RelayProtocol) + ")"
	}
	return s
}

// pairs lists the distinct pairs of ts, most frequent first, with counts.
func pairs(ts []results.Trial) string {
	count := map[string]int{}
	var order []string
	for _, t := range ts {
		if t.CandidatePair == nil {
			continue
		}
		p := pairText(t.CandidatePair)
		if count[p] == 0 {
			order = append(order, p)
		}
		count[p]++
	}
	if len(order) == 0 {
		return dash
	}
	slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(count[b], count[a]) })
	parts := make([]string, len(order))
	for i, p := range order {
		parts[i] = p
		if len(order) > 1 {
			parts[i] += fmt.Sprintf(" ×%d", count[p])
		}
	}
	return strings.Join(parts, ", ")
}

func relayKbps(t results.Trial) (float64, bool) {
	if t.Relay == nil {
		return 0, false
	}
	return t.Relay.Kbps, true
}

func gatheringMs(t results.Trial) (float64, bool) { return deref(t.ICEGatheringMs) }

// median of f over ts, formatted; dash when there is none.
func medianOf(ts []results.Trial, f func(results.Trial) (float64, bool), format func(float64) string) string {
	if m, ok := median(values(ts, f)); ok {
		return format(m)
	}
	return dash
}

func meanOf(ts []results.Trial, f func(results.Trial) (float64, bool), format func(float64) string) string {
	if m, ok := mean(values(ts, f)); ok {
		return format(m)
	}
	return dash
}

// pathsSection is the report's section on NAT/relay paths: a table of paths
// × outcome and the goals.
func pathsSection(r *run) []block {
	ts := pathTrials(r)
	if len(ts) == 0 {
		return nil
	}
	set := sendersOf(ts)
	head := []string{"sender", "path", "set up", "candidate pair (viewer's side)", "setup ms p50", "ICE gathering ms p50",
		"fps mean", "latency p50 ms", "relayed kbit/s", "CPU signaling+TURN %"}
	var rows [][]string
	for _, g := range pathGroups(ts) {
		ok := okTrials(g.trials)
		var up []results.Trial
		for _, t := range g.trials {
			if setUp(t) {
				up = append(up, t)
			}
		}
		rows = append(rows, []string{
			set.labels[g.sender], g.path, fmt.Sprintf("%d of %d", len(up), len(g.trials)), pairs(up),
			medianOf(up, setupMs, f0), medianOf(up, gatheringMs, f0),
			meanOf(ok, fpsMean, f1), medianOf(ok, latencyP50, f0), meanOf(ok, relayKbps, f0),
			meanOf(ok, cpuOf(results.ProcessSignaling), f1),
		})
	}
	right := []bool{false, false, true, false, true, true, true, true, true, true}
	return []block{
		heading{2, "Paths: NATs and the TURN relay"},
		para{"Each path puts the sides behind NAT routers (nftables in a router namespace: cone = masquerade, symmetric = masquerade fully-random, udp-blocked = only TCP to the signaling/TURN address) or forces the relay-only ICE policy; " +
			"the signaling server runs the embedded TURN server. The candidate pair is the viewer page's selected pair from getStats (local → remote, and the transport to the TURN server). " +
			"Setup is from the viewer's navigation to its first decoded frame; the relayed bit rate is what the TURN server's relay addresses sent and received during the measurement window; its CPU is the signaling process's."},
		table{head: head, rows: rows, right: right},
		list{pathGoals(ts)},
	}
}

// pathGoals are the verdicts of the goals for the paths.
func pathGoals(ts []results.Trial) []string {
	var out []string
	var notUp []string
	for _, g := range pathGroups(ts) {
		for _, t := range g.trials {
			if !setUp(t) {
				notUp = append(notUp, fmt.Sprintf("#%d %s", t.Index, g.path))
			}
		}
	}
	if len(notUp) == 0 {
		out = append(out, "Every path sets up: met (every trial decoded a first frame).")
	} else {
		out = append(out, "Every path sets up: not met — no first frame in "+strings.Join(notUp, ", ")+".")
	}
	labels := sendersOf(ts).labels
	var viaRelay, direct []string
	for _, g := range pathGroups(ts) {
		p, err := nat.ParsePath(g.path)
		if err != nil {
			continue
		}
		var up, relayed int
		for _, t := range g.trials {
			if setUp(t) {
				up++
				if t.CandidatePair.Relayed() {
					relayed++
				}
			}
		}
		line := fmt.Sprintf("%s %s: %d of %d set-up trials relayed", labels[g.sender], g.path, relayed, up)
		if p.Relayed {
			verdict := "met"
			if up == 0 || relayed < up {
				verdict = "not met"
			}
			viaRelay = append(viaRelay, line+" ("+verdict+")")
		} else if relayed > 0 {
			direct = append(direct, line)
		}
	}
	if len(viaRelay) > 0 {
		out = append(out, "Through the relay: "+strings.Join(viaRelay, "; ")+".")
	}
	if len(direct) > 0 {
		out = append(out, "A direct path exists but the stream took the relay: "+strings.Join(direct, "; ")+
			" (the camera offers and so nominates the pair, the first that works unless --ice-nomination-wait makes it wait for a direct one).")
	}
	out = append(out, relaySetupGoal(ts)...)
	return out
}

// relaySetupGoal compares the setup p50 of each relayed path with direct's,
// per sender.
func relaySetupGoal(ts []results.Trial) []string {
	var out []string
	gs := pathGroups(ts)
	for _, d := range gs {
		if d.path != "direct" {
			continue
		}
		base, ok := median(values(d.trials, setupMs))
		if !ok {
			continue
		}
		var parts []string
		worst := 0.0
		for _, g := range gs {
			p, err := nat.ParsePath(g.path)
			if g.sender != d.sender || err != nil || !p.Relayed {
				continue
			}
			m, ok := median(values(g.trials, setupMs))
			if !ok {
				continue
			}
			parts = append(parts, fmt.Sprintf("%s %s ms (%+.0f)", g.path, f0(m), m-base))
			worst = max(worst, m-base)
		}
		if len(parts) == 0 {
			continue
		}
		verdict := "met"
		if worst > relaySetupSlackMs {
			verdict = "not met"
		}
		out = append(out, fmt.Sprintf("Setup p50 through the relay within %d ms of direct (%s ms), %s: %s — %s.",
			relaySetupSlackMs, f0(base), sendersOf(d.trials).labels[d.sender], strings.Join(parts, ", "), verdict))
	}
	return out
}

// fanOutGroup is the camera trials of one format, network and path that sweep
// the number of viewers.
type fanOutGroup struct {
	key    string // network, codec, resolution, path
	trials []results.Trial
}

// fanOutNetwork names the camera's network for the fan-out table ("host"
// without an emulated one).
func fanOutNetwork(t results.Trial) string {
	if t.Params.Network == "" {
		return "host"
	}
	return t.Params.Network
}

// onLAN reports whether the trial's network counts as lan for the fps goal.
func onLAN(t results.Trial) bool { n := fanOutNetwork(t); return n == "host" || n == "lan" }

func viewersOf(t results.Trial) int { return max(1, t.Params.Viewers) }

// fanOutGroups returns the groups of camera trials in which some trial had
// more than one viewer.
func fanOutGroups(r *run) []fanOutGroup {
	var out []fanOutGroup
	for _, t := range r.ofKind(results.KindCameraToBrowser) {
		key := fmt.Sprintf("%s · %s %s %s", fanOutNetwork(t), codecName(t.Params.Codec), resolutionOf(t).text(), orDash(t.Params.Path))
		i := slices.IndexFunc(out, func(g fanOutGroup) bool { return g.key == key })
		if i < 0 {
			out = append(out, fanOutGroup{key: key})
			i = len(out) - 1
		}
		out[i].trials = append(out[i].trials, t)
	}
	return slices.DeleteFunc(out, func(g fanOutGroup) bool {
		return !slices.ContainsFunc(g.trials, func(t results.Trial) bool { return viewersOf(t) > 1 })
	})
}

// viewerCounts lists the distinct viewer counts of ts in order.
func viewerCounts(ts []results.Trial) []int {
	var out []int
	for _, t := range ts {
		if n := viewersOf(t); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

func withViewers(ts []results.Trial, n int) []results.Trial {
	var out []results.Trial
	for _, t := range ts {
		if viewersOf(t) == n {
			out = append(out, t)
		}
	}
	return out
}

// minViewerFPS is the lowest fps of any viewer of the trial.
func minViewerFPS(t results.Trial) (float64, bool) {
	if !t.OK {
		return 0, false
	}
	return t.FPSMean, true
}

// maxViewerFPS is the highest fps of any viewer of the trial.
func maxViewerFPS(t results.Trial) (float64, bool) {
	if !t.OK {
		return 0, false
	}
	m := t.FPSMean
	for _, v := range t.PerViewer {
		m = max(m, v.FPSMean)
	}
	return m, true
}

// uplinkKbps is what the camera sent to all its viewers: its own count of
// bytes sent, else the sum of what the viewers received.
func uplinkKbps(t results.Trial) (float64, bool) {
	if !t.OK {
		return 0, false
	}
	if t.Sender != nil && t.Sender.BitrateKbps != nil {
		return *t.Sender.BitrateKbps, true
	}
	if len(t.PerViewer) == 0 {
		return t.BitrateKbps, true
	}
	sum := 0.0
	for _, v := range t.PerViewer {
		sum += v.BitrateKbps
	}
	return sum, true
}

// sentPerEncoded is the camera's frames sent per frame encoded: the viewers
// one encoder serves.
func sentPerEncoded(t results.Trial) (float64, bool) {
	if !t.OK || t.Sender == nil || t.Sender.FramesEncoded <= 0 {
		return 0, false
	}
	return float64(t.Sender.FramesSent) / float64(t.Sender.FramesEncoded), true
}

// viewersSection is the report's section on one camera and many viewers,
// with the fan-out plot when it was drawn.
func viewersSection(r *run, plots []plotResult) []block {
	gs := fanOutGroups(r)
	if len(gs) == 0 {
		return nil
	}
	head := []string{"network · format · path", "viewers", "trials ok", "fps lowest viewer", "fps highest viewer", "camera CPU %", "× one viewer",
		"uplink kbit/s", "frames sent per encoded", "setup ms p50 (first viewer)"}
	var rows [][]string
	for _, g := range gs {
		one, haveOne := mean(values(okTrials(withViewers(g.trials, 1)), cpuOf(results.ProcessCamera)))
		for _, n := range viewerCounts(g.trials) {
			ts := withViewers(g.trials, n)
			ok := okTrials(ts)
			ratio := dash
			if cpu, have := mean(values(ok, cpuOf(results.ProcessCamera))); have && haveOne && one > 0 {
				ratio = f2(cpu / one)
			}
			rows = append(rows, []string{
				g.key, strconv.Itoa(n), fmt.Sprintf("%d of %d", len(ok), len(ts)),
				meanOf(ok, minViewerFPS, f1), meanOf(ok, maxViewerFPS, f1), meanOf(ok, cpuOf(results.ProcessCamera), f1), ratio,
				meanOf(ok, uplinkKbps, f0), meanOf(ok, sentPerEncoded, f2), medianOf(ts, setupMs, f0),
			})
		}
	}
	right := []bool{false, true, true, true, true, true, true, true, true, true}
	out := []block{
		heading{2, "One camera, many viewers"},
		para{"The camera encodes once per format and sends each encoded frame to every viewer of that format (thesis §3.1.2: in peer-to-peer every packet still leaves the camera once per viewer). " +
			"All viewers are pages of one Chromium. \"fps lowest viewer\" is the trial's fpsMean; \"frames sent per encoded\" counts the camera's frames written to tracks per frame its encoder made (= viewers when each frame is encoded once); " +
			"the uplink is the camera's own count of encoded bytes sent to all viewers (payload, before RTP; else the sum of what the viewers received)."},
		table{head: head, rows: rows, right: right},
		list{fanOutGoals(gs)},
	}
	for _, p := range plots {
		if p.file == PlotViewers && p.png != nil {
			out = append(out, figure{file: p.file, alt: p.alt})
		}
	}
	return out
}

// fanOutGoals are the verdicts of the fan-out goals.
func fanOutGoals(gs []fanOutGroup) []string {
	var out []string
	for _, g := range gs {
		if !onLAN(g.trials[0]) {
			continue
		}
		one, ok1 := mean(values(okTrials(withViewers(g.trials, 1)), cpuOf(results.ProcessCamera)))
		four, ok4 := mean(values(okTrials(withViewers(g.trials, fanOutCPUViewers)), cpuOf(results.ProcessCamera)))
		if ok1 && ok4 && one > 0 {
			verdict := "met"
			if four > fanOutCPUFactor*one {
				verdict = "not met"
			}
			out = append(out, fmt.Sprintf("Camera CPU with %d viewers at most %.1f × one viewer (%s): %s %% vs %s %% = %s × — %s.",
				fanOutCPUViewers, fanOutCPUFactor, g.key, f1(four), f1(one), f2(four/one), verdict))
		}
		low, have := 0.0, false
		for _, t := range okTrials(g.trials) {
			for _, v := range append([]results.ViewerStats{{FPSMean: t.FPSMean}}, t.PerViewer...) {
				if !have || v.FPSMean < low {
					low, have = v.FPSMean, true
				}
			}
		}
		if have {
			verdict := "met"
			if low < fanOutMinViewerFPS {
				verdict = "not met"
			}
			out = append(out, fmt.Sprintf("Every viewer at least %d fps (%s): lowest %s fps — %s.", fanOutMinViewerFPS, g.key, f1(low), verdict))
		}
	}
	if len(out) == 0 {
		out = append(out, "No lan trial with one and four viewers to check the fan-out goals against.")
	}
	return out
}
