package probe

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNoProcess means the process to measure does not exist (any more).
var ErrNoProcess = errors.New("no such process")

// ProcStat is what the probe reads of /proc/PID/stat.
type ProcStat struct {
	PID, PPID int
	Comm      string
	// State is the process state letter (R, S, D, Z for a zombie, X dead…).
	State byte
	// Ticks is utime + stime + cutime + cstime in clock ticks.
	Ticks    uint64
	RSSPages int64
}

// ParseStat parses one /proc/PID/stat line. The command name may contain spaces
// and parentheses; it ends at the last ')'.
func ParseStat(line string) (ProcStat, error) {
	open := strings.IndexByte(line, '(')
	closing := strings.LastIndexByte(line, ')')
	if open < 1 || closing < open {
		return ProcStat{}, fmt.Errorf("stat %q: no (comm)", abbreviate(line))
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line[:open]))
	if err != nil {
		return ProcStat{}, fmt.Errorf("stat %q: pid: %w", abbreviate(line), err)
	}
	f := strings.Fields(line[closing+1:]) // f[0] is field 3
	const last = 24
	if len(f) < last-2 {
		return ProcStat{}, fmt.Errorf("stat of %d: %d fields after comm, want %d", pid, len(f), last-2)
	}
	field := func(n int) string { return f[n-3] }
	st := ProcStat{PID: pid, Comm: line[open+1 : closing], State: field(3)[0]}
	if st.PPID, err = strconv.Atoi(field(4)); err != nil {
		return ProcStat{}, fmt.Errorf("stat of %d: ppid: %w", pid, err)
	}
	for _, n := range []int{14, 15, 16, 17} {
		v, err := strconv.ParseInt(field(n), 10, 64)
		if err != nil {
			return ProcStat{}, fmt.Errorf("stat of %d: field %d: %w", pid, n, err)
		}
		if v > 0 {
			st.Ticks += uint64(v)
		}
	}
	if st.RSSPages, err = strconv.ParseInt(field(24), 10, 64); err != nil {
		return ProcStat{}, fmt.Errorf("stat of %d: rss: %w", pid, err)
	}
	return st, nil
}

// Proc reads a /proc file system rooted at Root ("/proc" on a live system; a
// folder of fake PID/stat files in tests).
type Proc struct {
	Root     string
	PageSize int64
}

// NewProc returns a Proc for the live /proc.
func NewProc() Proc { return Proc{Root: "/proc", PageSize: int64(os.Getpagesize())} }

// Stat reads one process.
func (p Proc) Stat(pid int) (ProcStat, error) {
	b, err := os.ReadFile(filepath.Join(p.Root, strconv.Itoa(pid), "stat"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, errESRCH) {
			return ProcStat{}, fmt.Errorf("pid %d: %w", pid, ErrNoProcess)
		}
		return ProcStat{}, fmt.Errorf("read stat of %d: %w", pid, err)
	}
	return ParseStat(strings.TrimRight(string(b), "\n"))
}

// Alive reports whether pid exists and is neither a zombie nor dead.
func (p Proc) Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	st, err := p.Stat(pid)
	return err == nil && st.State != 'Z' && st.State != 'X'
}

// All reads every process. Processes that vanish while being read are skipped.
func (p Proc) All() (map[int]ProcStat, error) {
	entries, err := os.ReadDir(p.Root)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", p.Root, err)
	}
	out := make(map[int]ProcStat, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		st, err := p.Stat(pid)
		if err != nil {
			continue // exited in the meantime, or unreadable
		}
		out[pid] = st
	}
	return out, nil
}

// Tree returns pid and all its descendants found in all (by PPID), pid first.
func Tree(all map[int]ProcStat, pid int) []int {
	children := make(map[int][]int)
	for _, st := range all {
		children[st.PPID] = append(children[st.PPID], st.PID)
	}
	if _, ok := all[pid]; !ok {
		return nil
	}
	out := []int{pid}
	seen := map[int]bool{pid: true}
	for i := 0; i < len(out); i++ {
		for _, c := range children[out[i]] {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// Usage is one reading of a process (tree): clock ticks and resident bytes.
type Usage struct {
	Ticks    uint64
	RSSBytes int64
	Procs    int
}

// TreeUsage sums the usage of pid and its descendants in all.
func (p Proc) TreeUsage(all map[int]ProcStat, pid int) (Usage, error) {
	pids := Tree(all, pid)
	if len(pids) == 0 {
		return Usage{}, fmt.Errorf("pid %d: %w", pid, ErrNoProcess)
	}
	var u Usage
	for _, q := range pids {
		st := all[q]
		u.Ticks += st.Ticks
		u.RSSBytes += st.RSSPages * p.PageSize
		u.Procs++
	}
	return u, nil
}

func abbreviate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
