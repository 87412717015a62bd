package reports

import (
	"fmt"
	"slices"
	"strings"

	"echtzeit/harness/results"
)

// quotaTolerance is the ±10 % within which a budgeted sender's measured CPU
// counts as matching its quota (issue goal; /proc resolves 10 ms ticks).
const quotaTolerance = 0.10

// senderProcess is the process name of a camera-to-browser trial's sender.
func senderProcess(t results.Trial) string {
	if t.Params.Sender == results.SenderGStreamer {
		return results.ProcessGStreamer
	}
	return results.ProcessCamera
}

func senderCPU(t results.Trial) (float64, bool) { return cpuOf(senderProcess(t))(t) }

// budgeted returns the camera-to-browser trials that have a cpu axis value.
func budgeted(r *run) []results.Trial {
	var out []results.Trial
	for _, t := range r.ofKind(results.KindCameraToBrowser) {
		if t.Params.CPU != "" {
			out = append(out, t)
		}
	}
	return out
}

// isPassThrough tells the camera's pass-through sources (hardware H.264 on a
// Pi, a clip here) from the software-encoded ones.
func isPassThrough(source string) bool { return source == "file" || source == "rpicam" }

// fpsCurve is "160×90 14.8, 320×180 9.1 fps" over the groups of one sender.
func fpsCurve(gs []group, s sender) (string, map[resolution]float64) {
	var parts []string
	fps := map[resolution]float64{}
	for _, g := range gs {
		if g.sender != s {
			continue
		}
		m, ok := mean(values(g.ok(), fpsMean))
		if !ok {
			parts = append(parts, g.res.text()+" failed")
			continue
		}
		fps[g.res] = m
		parts = append(parts, fmt.Sprintf("%s %.1f", g.res.text(), m))
	}
	return strings.Join(parts, ", ") + " fps", fps
}

// piBudgetCurve is the thesis row "Pi near 15 fps only at 160×90, collapsing
// above" answered with the senders that ran under the pi4 budget: the
// GStreamer sender (the thesis's stack) decides the verdict, the echtzeit
// camera (software and pass-through) stands beside it.
func piBudgetCurve(r *run, c comparison, ts []results.Trial) comparison {
	set := sendersOf(ts)
	gs := groups(ts)
	var parts, gstVerdicts []string
	for _, s := range set.list {
		curve, fps := fpsCurve(gs, s)
		what := set.labels[s]
		if s.program == results.SenderEchtzeit {
			if isPassThrough(s.source) {
				what += " (pass-through)"
			} else {
				what += " (software)"
			}
		}
		parts = append(parts, what+": "+curve)
		if s.program != results.SenderGStreamer {
			continue
		}
		low, okLow := fps[res160x90]
		var top resolution
		for res := range fps {
			if compareResolution(res, top) > 0 {
				top = res
			}
		}
		tried160 := slices.ContainsFunc(gs, func(g group) bool { return g.sender == s && g.res == res160x90 })
		switch {
		case !okLow && !tried160:
			gstVerdicts = append(gstVerdicts, what+": not measured at 160×90")
		case !okLow:
			gstVerdicts = append(gstVerdicts, what+": no stream at 160×90")
		case top == res160x90:
			gstVerdicts = append(gstVerdicts, fmt.Sprintf("%s: %.1f fps at 160×90, no larger resolution", what, low))
		default:
			near := low >= thesisTargetFPS-nearTarget && low <= thesisTargetFPS+nearTarget
			collapse := fps[top] < collapseShare*low
			v := fmt.Sprintf("%s: %.1f fps at 160×90 (%s), %.0f %% of it at %s (%s)", what, low,
				yesNo(near, "near 15", "not near 15"), 100*fps[top]/low, top.text(), yesNo(collapse, "collapsed", "no collapse"))
			if near && collapse {
				v = "reproduced by " + v
			}
			gstVerdicts = append(gstVerdicts, v)
		}
	}
	quota := ""
	if cores := ts[0].Params.CPUCores; cores != nil {
		quota = fmt.Sprintf("%.2f cores of this machine", *cores)
	}
	c.measured = strings.Join(parts, "; ") + " — under the " + ts[0].Params.CPU + " budget (" + quota + ")"
	caveat := " — the budget stands for a Raspberry Pi 4 by an estimated per-core factor (DESIGN.md \"CPU budgets\"; calibrate with camera --benchmark); " +
		"a quota caps total CPU, not the speed of one thread, and the thesis's Pi ran a 32-bit OS"
	switch {
	case len(gstVerdicts) == 0:
		c.verdict = "not measured in this run: no GStreamer sender under the pi4 budget"
	case len(gstVerdicts) == 1 && strings.HasSuffix(gstVerdicts[0], "not measured at 160×90"):
		c.verdict = "not measured in this run: no trial of the GStreamer sender at 160×90 under the pi4 budget"
	case strings.HasPrefix(gstVerdicts[0], "reproduced"):
		c.verdict = strings.Join(gstVerdicts, "; ")
	default:
		c.verdict = "not reproduced: " + strings.Join(gstVerdicts, "; ")
	}
	c.verdict += caveat
	return c
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// piTrials returns the camera-to-browser trials under the budget that stands
// for the thesis's Raspberry Pi (pi4, all four cores).
func piTrials(r *run) []results.Trial {
	var out []results.Trial
	for _, t := range r.ofKind(results.KindCameraToBrowser) {
		if t.Params.CPU == "pi4" {
			out = append(out, t)
		}
	}
	return out
}

// budgetSection is the report's "Senders under CPU budgets": frame rate and
// sender CPU per resolution for every budgeted sender, then how the senders'
// CPU compares with their quotas.
func budgetSection(r *run) []block {
	ts := budgeted(r)
	if len(ts) == 0 {
		return nil
	}
	set := sendersOf(ts)
	gs := groups(ts)
	head := []string{"resolution"}
	right := []bool{false}
	for _, s := range set.list {
		head = append(head, set.labels[s]+" fps", "CPU %")
		right = append(right, true, true)
	}
	var rows [][]string
	for _, res := range resolutions(ts) {
		row := []string{res.text()}
		for _, s := range set.list {
			i := slices.IndexFunc(gs, func(g group) bool { return g.sender == s && g.res == res })
			fps, cpu := dash, dash
			if i >= 0 {
				if m, ok := mean(values(gs[i].ok(), fpsMean)); ok {
					fps = f1(m)
				} else if len(gs[i].trials) > 0 {
					fps = "failed"
				}
				if m, ok := mean(values(gs[i].ok(), senderCPU)); ok {
					cpu = f0(m)
				}
			}
			row = append(row, fps, cpu)
		}
		rows = append(rows, row)
	}
	return []block{
		heading{2, "Senders under CPU budgets"},
		para{"Each sender process ran in a cgroup of its own with a CPU quota (cpu.cfs_quota_us or cpu.max) for the trial's budget; " +
			"\"host\" has no quota. Frame rate is the viewer's mean over the successful trials; CPU is the sender process's (100 % = one core of this machine)."},
		table{head: head, rows: rows, right: right},
		quotaTable(set, ts),
	}
}

// quotaTable checks each budgeted sender's CPU against its quota.
func quotaTable(set senderSet, ts []results.Trial) table {
	head := []string{"sender", "quota cores", "trials", "sender CPU mean %", "highest trial %", "within quota +10 %", "throttled periods %"}
	right := []bool{false, true, true, true, true, true, true}
	var rows [][]string
	for _, s := range set.list {
		var cpus []float64
		var quota float64
		var periods, throttled int64
		n := 0
		for _, t := range ts {
			if senderOf(t) != s || t.Params.CPUCores == nil {
				continue
			}
			n++
			quota = *t.Params.CPUCores
			if v, ok := senderCPU(t); ok && t.OK {
				cpus = append(cpus, v)
			}
			if b := t.CPUBudget; b != nil {
				periods += b.Periods
				throttled += b.Throttled
			}
		}
		if n == 0 {
			continue
		}
		m, hasMean := mean(cpus)
		_, hi := minMax(cpus)
		within := 0
		for _, v := range cpus {
			if v <= 100*quota*(1+quotaTolerance) {
				within++
			}
		}
		row := []string{set.labels[s], f2(quota), fmt.Sprint(n), dash, dash, fmt.Sprintf("%d of %d", within, len(cpus)), dash}
		if hasMean {
			row[3], row[4] = f1(m), f1(hi)
		}
		if periods > 0 {
			row[6] = f1(100 * float64(throttled) / float64(periods))
		}
		rows = append(rows, row)
	}
	return table{head: head, rows: rows, right: right}
}
