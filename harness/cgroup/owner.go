package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// owner identifies a process across PID reuse: its PID and its start time in
// clock ticks after boot (proc(5) /proc/PID/stat field 22).
type owner struct {
	pid   int
	start uint64
}

// ownerOf reads the live process pid; it fails for a process that is gone or a
// zombie.
func ownerOf(pid int) (owner, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return owner{}, fmt.Errorf("process %d: %w", pid, err)
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return owner{}, fmt.Errorf("process %d: malformed stat", pid)
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 20 {
		return owner{}, fmt.Errorf("process %d: stat has %d fields after comm", pid, len(f))
	}
	if f[0] == "Z" || f[0] == "X" {
		return owner{}, fmt.Errorf("process %d: %w", pid, errDead)
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return owner{}, fmt.Errorf("process %d: start time: %w", pid, err)
	}
	return owner{pid: pid, start: start}, nil
}

var errDead = errors.New("exited")

// parseName returns the owner encoded in a group name Prefix+PID-START-RANDOM.
func parseName(name string) (owner, bool) {
	rest, ok := strings.CutPrefix(name, Prefix)
	if !ok {
		return owner{}, false
	}
	f := strings.Split(rest, "-")
	if len(f) != 3 {
		return owner{}, false
	}
	pid, err1 := strconv.Atoi(f[0])
	start, err2 := strconv.ParseUint(f[1], 10, 64)
	if err1 != nil || err2 != nil || pid <= 0 {
		return owner{}, false
	}
	return owner{pid: pid, start: start}, true
}

// alive reports whether o is still the running process it was.
func (o owner) alive() bool {
	cur, err := ownerOf(o.pid)
	return err == nil && cur.start == o.start
}

// Sweep removes the groups of this package whose owner is gone (a harness
// that was killed before it could remove them, and whose reaper did not run):
// it kills the processes left in them and removes the directories. It returns
// the names it removed.
func (c *Controller) Sweep() ([]string, error) {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return nil, fmt.Errorf("sweep cgroups: %w", err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		o, ok := parseName(e.Name())
		if !e.IsDir() || !ok || o.alive() {
			continue
		}
		dir := filepath.Join(c.dir, e.Name())
		if err := killAll(dir); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := removeDir(dir); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, e.Name())
	}
	return removed, errors.Join(errs...)
}
