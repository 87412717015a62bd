// Package probe measures the processes of a trial: CPU % and resident memory of
// a process or of a whole process tree from /proc (Chromium's renderer, GPU and
// network processes are descendants of its browser process, FIELD-NOTES), and
// the same two figures of a remote process from its Prometheus /metrics
// (process_cpu_seconds_total, process_resident_memory_bytes).
//
// CPU is counted in clock ticks of utime + stime + cutime + cstime (proc(5)
// fields 14–17) summed over the tree: a child that exits and is reaped moves its
// ticks into its parent's cutime/cstime, so the sum does not drop when
// short-lived helpers come and go. 100 % is one core busy (harness/stats).
// RSS is summed over the tree; shared pages count once per process, so a tree's
// RSS overstates its real footprint the way `ps` sums do.
package probe
