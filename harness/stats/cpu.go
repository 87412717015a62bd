package stats

import (
	"fmt"
	"strconv"
	"strings"
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

// ProcStat holds the fields of /proc/PID/stat the harness uses (proc(5)).
type ProcStat struct {
	PID   int
	Comm  string // without the parentheses
	State byte
	PPID  int
	UTime uint64 // field 14, clock ticks
	STime uint64 // field 15, clock ticks
	// RSSPages is field 24, resident set size in pages (multiply by the
	// page size, os.Getpagesize(), for bytes).
	RSSPages int64
}

// ParseProcStat parses the single line of /proc/PID/stat. The command name
// may contain spaces and parentheses; it ends at the line's last ')'.
func ParseProcStat(line string) (ProcStat, error) {
	line = strings.TrimRight(line, "\n")
	open := strings.IndexByte(line, '(')
	closing := strings.LastIndexByte(line, ')')
	if open < 1 || closing < open {
		return ProcStat{}, fmt.Errorf("no (comm): %w", ErrProcStat)
	}
	var st ProcStat
	pid, err := strconv.Atoi(strings.TrimSpace(line[:open]))
	if err != nil {
		return ProcStat{}, fmt.Errorf("pid: %w", ErrProcStat)
	}
	st.PID = pid
	st.Comm = line[open+1 : closing]
	// rest[0] is field 3 (state).
	rest := strings.Fields(line[closing+1:])
	const need = 24 - 2 // fields 3 … 24
	if len(rest) < need {
		return ProcStat{}, fmt.Errorf("%d fields after comm, want at least %d: %w", len(rest), need, ErrProcStat)
	}
	if len(rest[0]) != 1 || !isLetter(rest[0][0]) {
		return ProcStat{}, fmt.Errorf("state %q: %w", rest[0], ErrProcStat)
	}
	st.State = rest[0][0]
	field := func(n int) string { return rest[n-3] }
	if st.PPID, err = strconv.Atoi(field(4)); err != nil {
		return ProcStat{}, fmt.Errorf("ppid: %w", ErrProcStat)
	}
	if st.UTime, err = strconv.ParseUint(field(14), 10, 64); err != nil {
		return ProcStat{}, fmt.Errorf("utime: %w", ErrProcStat)
	}
	if st.STime, err = strconv.ParseUint(field(15), 10, 64); err != nil {
		return ProcStat{}, fmt.Errorf("stime: %w", ErrProcStat)
	}
	if st.RSSPages, err = strconv.ParseInt(field(24), 10, 64); err != nil {
		return ProcStat{}, fmt.Errorf("rss: %w", ErrProcStat)
	}
	return st, nil
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }
