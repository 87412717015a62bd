// Package cgroup runs sender processes under a CPU budget (SPEC §7): a control
// group with a CPU quota, created per trial and removed after it. It finds the
// cpu controller at run time, in a cgroup v1 hierarchy (cpu.cfs_quota_us and
// cpu.cfs_period_us, e.g. /sys/fs/cgroup/cpu) or in the v2 unified hierarchy
// (cpu.max), and names every group it creates with Prefix, the owner's PID and
// the owner's start time, so that groups left behind by an owner that died can be
// told from live ones and removed (Sweep). Each group also gets a reaper: a
// small shell process outside the owner's process group that removes the group
// when the owner dies without doing so (kill -9), and exits when the group is
// gone.
//
// Named budgets (ParseBudget) stand for a board: its cores times a per-core
// speed factor relative to this host (DESIGN.md "CPU budgets").
package cgroup
