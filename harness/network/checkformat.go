package network

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Format writes the report as a table: configured vs measured rate, one-way
// delay and loss per direction, a mark per figure (ok / OUT) and the
// forwarder's CPU.
func (r *CheckReport) Format(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "direction\trate configured\tmeasured\t\tdelay configured\tmean (p5–p95)\t\tloss configured\tmeasured (probes)\t\tforwarder CPU\n")
	for _, d := range r.Dirs {
		rate, mark := "unlimited", "—"
		if d.RateConfigured > 0 {
			rate, mark = mbps(d.RateConfigured), okMark(d.RateOK())
		}
		delay := ms(d.DelayConfigured)
		if d.Params.Jitter > 0 {
			delay += " ± " + ms(d.Params.Jitter)
		}
		cpu := "—"
		if d.ForwardedMbps > 0 && d.ForwarderCPU > 0 {
			cpu = fmt.Sprintf("%.1f %% at %.1f Mbit/s (%.2f %%/Mbit/s)", d.ForwarderCPU, d.ForwardedMbps, d.ForwarderCPU/d.ForwardedMbps)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s (%s–%s)\t%s\t%s\t%s (%d)\t%s\t%s\n",
			d.Direction, rate, mbps(d.RateMeasured), mark,
			delay, ms(d.DelayMean), ms(d.DelayP5), ms(d.DelayP95), okMark(d.DelayOK()),
			pct(d.LossConfigured), pct(d.LossMeasured), d.LossProbes, okMark(d.LossOK()), cpu)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	verdict := "within"
	if !r.OK() {
		verdict = "OUTSIDE"
	}
	_, err := fmt.Fprintf(w, "%s: %s the tolerances (rate ±%.0f %%, delay ±%s, loss ±%.0f pp)\n",
		r.Profile, verdict, RateTolerance*100, DelayTolerance, LossTolerance*100)
	return err
}

func okMark(ok bool) string {
	if ok {
		return "ok"
	}
	return "OUT"
}

func mbps(bps float64) string {
	if bps == 0 {
		return "—"
	}
	if bps < 1e6 {
		return fmt.Sprintf("%.1f kbit/s", bps/1e3)
	}
	return fmt.Sprintf("%.2f Mbit/s", bps/1e6)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }

func pct(f float64) string { return fmt.Sprintf("%.2f %%", f*100) }
