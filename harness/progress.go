package harness

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"echtzeit/harness/results"
	"echtzeit/harness/scenario"
)

// progress prints the live progress line: trial i of N, what runs, its stage,
// and the ETA (the remaining estimate scaled by how the estimates fared so far).
type progress struct {
	mu          sync.Mutex
	w           io.Writer
	interactive bool
	now         func() time.Time
	specs       []scenario.Spec
	start       time.Time
	cur         scenario.Spec
	curStart    time.Time
	doneEst     time.Duration // estimates of the finished trials
	failed      int
	finished    int
}

func newProgress(w io.Writer, interactive bool, specs []scenario.Spec, now func() time.Time) *progress {
	return &progress{w: w, interactive: interactive, specs: specs, now: now, start: now()}
}

func (p *progress) begin(sp scenario.Spec) {
	p.mu.Lock()
	p.cur, p.curStart = sp, p.now()
	p.mu.Unlock()
	p.stage("starting")
}

func (p *progress) eta() time.Duration {
	var remaining time.Duration
	for _, sp := range p.specs[p.cur.Index:] {
		remaining += sp.Estimate()
	}
	elapsed := p.now().Sub(p.start)
	if p.doneEst > 0 {
		scale := float64(elapsed-p.now().Sub(p.curStart)) / float64(p.doneEst)
		if scale > 0.5 && scale < 3 {
			remaining = time.Duration(float64(remaining) * scale)
		}
	}
	remaining -= p.now().Sub(p.curStart)
	return max(remaining, 0).Round(time.Second)
}

func (p *progress) stage(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := fmt.Sprintf("[%d/%d] %s — %s (ETA %s", p.cur.Index+1, len(p.specs), p.cur.Name(), name, p.eta())
	if p.failed > 0 {
		line += fmt.Sprintf(", %d failed", p.failed)
	}
	line += ")"
	if p.interactive {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	}
}

func (p *progress) end(tr results.Trial) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.doneEst += p.cur.Estimate()
	p.finished++
	status := "ok"
	if !tr.OK {
		p.failed++
		status = "FAILED: " + tr.FailReason
	}
	detail := ""
	switch {
	case tr.Kind == results.KindSignalingLoad && tr.Signaling != nil:
		detail = fmt.Sprintf("%.0f msg/s", tr.Signaling.MessagesPerSecond)
	case tr.OK:
		detail = fmt.Sprintf("%.1f fps", tr.FPSMean)
	}
	line := fmt.Sprintf("[%d/%d] %s — %s %s (%s)", tr.Index+1, len(p.specs), tr.Name, status, detail, tr.End.Sub(tr.Start).Round(100*time.Millisecond))
	if p.interactive {
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.interactive {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// writeSummary prints the table of a run's trials.
func writeSummary(w io.Writer, trials []results.Trial) {
	if len(trials) == 0 {
		fmt.Fprintln(w, "no trials ran")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "#\tkind\tparams\tok\tfps\tp5\trecv\tsetup ms\tlat p50\tcpu %\t")
	for _, t := range trials {
		ok := "yes"
		if !t.OK {
			ok = "NO"
		}
		params := fmt.Sprintf("%s %s", t.Params.Resolution, t.Params.Codec)
		fps, p5, recv, setup, lat := "-", "-", "-", "-", "-"
		if t.Kind == results.KindSignalingLoad {
			params = fmt.Sprintf("%d clients", t.Params.Participants)
			if t.Signaling != nil {
				fps = fmt.Sprintf("%.0f msg/s", t.Signaling.MessagesPerSecond)
				lat = fmt.Sprintf("%.1f", t.Signaling.RelayLatencyP50Ms)
			}
		} else {
			if t.FPSMean > 0 {
				fps, p5 = fmt.Sprintf("%.1f", t.FPSMean), fmt.Sprintf("%.1f", t.FPSP5)
			}
			if t.ReceivedWidth > 0 {
				recv = fmt.Sprintf("%dx%d", t.ReceivedWidth, t.ReceivedHeight)
			}
			if t.SetupMs != nil {
				setup = fmt.Sprintf("%.0f", *t.SetupMs)
			}
			if t.LatencyP50Ms != nil {
				lat = fmt.Sprintf("%.0f", *t.LatencyP50Ms)
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", t.Index, t.Kind, params, ok, fps, p5, recv, setup, lat, cpuSummary(t.Processes))
	}
	_ = tw.Flush()
	var failed []string
	for _, t := range trials {
		if !t.OK {
			failed = append(failed, fmt.Sprintf("  #%d %s: %s", t.Index, t.Name, t.FailReason))
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(w, "%d of %d trials failed:\n%s\n", len(failed), len(trials), strings.Join(failed, "\n"))
	}
}

// cpuSummary formats "camera 51 browser 33 signaling 0.4".
func cpuSummary(ps map[string]results.ProcessStats) string {
	order := map[string]int{results.ProcessCamera: 0, results.ProcessBrowser: 1, results.ProcessSignaling: 2, results.ProcessHarness: 3}
	names := make([]string, 0, len(ps))
	for n := range ps {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return order[names[i]] < order[names[j]] })
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %.1f", n, ps[n].CPUPct))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}
