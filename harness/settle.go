package harness

import (
	"context"
	"runtime"
	"time"

	"echtzeit/harness/probe"
)

// A media trial's first viewer navigates a while after the sender is ready
// (the scenario's settle, 1 s by default). A person opening a link meets a
// camera that has been running for a while, not one that started a moment
// ago while the previous trial's pages and processes were still ending.
// Right after the sender was ready the setup came out 20–35 % longer: 10
// camera trials at 1280×720 VP8 set up in p50 293 and 305 ms without a
// settle, 238 and 245 ms with 1 s, while the machine's CPU was already idle
// (≤ 0.1 cores over 200 ms) 200 ms after the sender was ready (DESIGN.md
// "Setup phases").

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
