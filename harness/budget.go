package harness

import (
	"fmt"

	"echtzeit/harness/cgroup"
	"echtzeit/harness/results"
)

// cpuController returns where CPU budgets are created, found on first use.
func (r *runner) cpuController() (*cgroup.Controller, error) {
	if r.cgroups == nil && r.cgroupErr == nil {
		r.cgroups, r.cgroupErr = cgroup.Detect()
	}
	return r.cgroups, r.cgroupErr
}

// sweepCgroups removes the budget groups of harness runs that died before
// they could (their reapers normally do it). Without a cpu controller there
// is nothing to sweep.
func (r *runner) sweepCgroups() {
	c, err := r.cpuController()
	if err != nil {
		r.logger.Debug("no cgroup cpu controller; CPU budgets are unavailable", "err", err)
		return
	}
	removed, err := c.Sweep()
	if len(removed) > 0 {
		r.logger.Warn("removed cgroups left behind by dead harness runs", "cgroups", removed)
	}
	if err != nil {
		r.logger.Warn("sweep cgroups", "err", err)
	}
}

// setupBudget creates the trial's CPU budget group when the trial has a quota;
// the sender's processes join it as they start (startProcess).
func (t *mediaTrial) setupBudget() error {
	p := t.sp.Params
	if p.CPUCores == nil {
		return nil
	}
	c, err := t.r.cpuController()
	if err != nil {
		return fmt.Errorf("cpu budget %s: %w", p.CPU, err)
	}
	g, err := c.New(*p.CPUCores)
	if err != nil {
		return fmt.Errorf("cpu budget %s: %w", p.CPU, err)
	}
	t.budget = g
	t.r.logger.Info("cpu budget", "trial", t.sp.Index, "budget", p.CPU, "cores", *p.CPUCores, "cgroup", g.Path())
	return nil
}

// removeBudget records the group's throttling into m and removes the group;
// the sender has stopped by then.
func (t *mediaTrial) removeBudget(m *results.Measured) error {
	if t.budget == nil {
		return nil
	}
	g := t.budget
	t.budget = nil
	if st, err := g.Stats(); err == nil {
		m.CPUBudget = &results.BudgetStats{
			Cgroup: t.r.cgroups.Version().String(), Periods: st.Periods, Throttled: st.Throttled,
			ThrottledMs: float64(st.ThrottledTime.Microseconds()) / 1000,
		}
	}
	return g.Remove()
}

// joinBudget puts a sender-side process into the trial's budget.
func (t *mediaTrial) joinBudget(s side, proc *child) error {
	if t.budget == nil || s != senderSide {
		return nil
	}
	if err := t.budget.Add(proc.PID()); err != nil {
		return fmt.Errorf("cpu budget %s: %w", t.sp.Params.CPU, err)
	}
	return nil
}
