package harness

import (
	"context"
	"runtime"
	"time"

	"echtzeit/harness/probe"
)

// A media trial's first viewer page navigates a while (the scenario's
// settle, 1 s by default) after its tab was opened. Chromium goes on working
// for a new tab (its processes) for most of a second on the 2-core VM; a
// navigation that starts at once shares the cores with that work, and the
// setup measured is the harness's opening of a tab as much as the page's. A
// person opens the link in a browser that is already open. Measured with
// 6-trial runs of the camera at 1280×720 VP8, alternating (DESIGN.md "Setup
// phases"): navigating at once set up in p50 336 and 295 ms, one second
// after the tab opened in 259 and 238 ms; a second's wait before the tab
// opened (the camera a second older) did not help, 0.55 s after it helped
// in part, 1.8 s no more than 0.8 s. In another pair of runs Chromium's
// processes spent ~770 ms of CPU from navigation to the first frame when
// navigating at once, ~600 ms after a second.

// settling is what settle saw: how long it waited and how busy the machine
// was meanwhile (cores, all its processes; < 0 when it could not tell).
type settling struct {
	waited time.Duration
	busy   float64
}

// settle waits d (or until ctx ends) and measures the machine's CPU over
// the wait with read (the CPU time of all cores; cores is their number).
func settle(ctx context.Context, d time.Duration, read func() (probe.SystemCPU, error), cores int) settling {
	start := time.Now()
	before, errBefore := read()
	if d > 0 {
		timer := time.NewTimer(d)
		select {
		case <-ctx.Done():
		case <-timer.C:
		}
		timer.Stop()
	}
	s := settling{waited: time.Since(start), busy: -1}
	if after, err := read(); err == nil && errBefore == nil {
		if share, ok := before.BusyShare(after); ok {
			s.busy = share * float64(cores)
		}
	}
	return s
}

// settleMachine is settle on this machine for the scenario's settle time.
func (r *runner) settleMachine(ctx context.Context) settling {
	return settle(ctx, r.sc.Settle.D(), r.proc.System, runtime.NumCPU())
}
