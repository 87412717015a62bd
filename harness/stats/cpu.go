package stats

import (
	"fmt"
	"time"
)

// ClockTicks is Linux's USER_HZ, the unit of utime and stime in
// /proc/PID/stat (sysconf(_SC_CLK_TCK)). It is 100 on every architecture
// Linux supports for user space, including arm and arm64 (the Pi).
const ClockTicks = 100

// CPUTimes is one reading of a process's (or a process tree's summed) CPU
// time in clock ticks, with the wall-clock time of the reading.
type CPUTimes struct {
	Time  time.Time
	UTime uint64 // user-mode ticks, field 14 of /proc/PID/stat
	STime uint64 // kernel-mode ticks, field 15
}

// CPUPercent returns the CPU use between two readings in percent of one core:
// (Δutime + Δstime) / (Δwall seconds × clkTck) × 100. clkTck is ticks per
// second (ClockTicks on Linux). If the tick counts went backwards (the tree
// lost a process between the readings) the result is clamped to 0.
func CPUPercent(prev, cur CPUTimes, clkTck float64) (float64, error) {
	wall := cur.Time.Sub(prev.Time).Seconds()
	if wall <= 0 {
		return 0, fmt.Errorf("cpu %% over %v: %w", cur.Time.Sub(prev.Time), ErrInterval)
	}
	if clkTck <= 0 {
		return 0, fmt.Errorf("clock ticks %v: %w", clkTck, ErrInterval)
	}
	before := prev.UTime + prev.STime
	after := cur.UTime + cur.STime
	if after < before {
		return 0, nil
	}
	return float64(after-before) / (wall * clkTck) * 100, nil
}
