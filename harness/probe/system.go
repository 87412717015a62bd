package probe

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// SystemCPU is the machine's CPU time so far, from the first line of
// /proc/stat, in clock ticks summed over all CPUs: Busy is user, nice,
// system, irq and softirq time (guest time is in user); Total adds idle and
// iowait. Steal time (taken by the hypervisor for other machines) is in
// neither: it is not this machine's work, and waiting cannot end it.
type SystemCPU struct {
	Busy, Total uint64
}

// BusyShare returns the part of the CPU time from s to later that was busy
// (0–1), and false when no time passed.
func (s SystemCPU) BusyShare(later SystemCPU) (float64, bool) {
	if later.Total <= s.Total || later.Busy < s.Busy {
		return 0, false
	}
	return float64(later.Busy-s.Busy) / float64(later.Total-s.Total), true
}

// ParseSystemStat reads the aggregate "cpu" line of a /proc/stat.
func ParseSystemStat(b []byte) (SystemCPU, error) {
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return SystemCPU{}, fmt.Errorf("/proc/stat: first line %q is not the cpu total", abbreviate(line))
	}
	var v [7]uint64 // user nice system idle iowait irq softirq
	for i := range v {
		n, err := strconv.ParseUint(f[i+1], 10, 64)
		if err != nil {
			return SystemCPU{}, fmt.Errorf("/proc/stat: cpu field %d: %w", i+1, err)
		}
		if n > 1<<56 { // far beyond any uptime; the sums below stay exact
			return SystemCPU{}, fmt.Errorf("/proc/stat: cpu field %d: %d ticks", i+1, n)
		}
		v[i] = n
	}
	busy := v[0] + v[1] + v[2] + v[5] + v[6]
	return SystemCPU{Busy: busy, Total: busy + v[3] + v[4]}, nil
}

// System reads the machine's CPU time (Root/stat).
func (p Proc) System() (SystemCPU, error) {
	b, err := os.ReadFile(filepath.Join(p.Root, "stat"))
	if err != nil {
		return SystemCPU{}, fmt.Errorf("read system CPU time: %w", err)
	}
	return ParseSystemStat(b)
}
