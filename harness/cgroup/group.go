package cgroup

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Prefix starts the name of every group this package creates:
// ezcpu-OWNERPID-OWNERSTART-RANDOM.
const Prefix = "ezcpu-"

// cfsPeriod is the CFS period of every group (the kernel's default).
const cfsPeriod = 100 * time.Millisecond

// MaxCores bounds a quota.
const MaxCores = 1024

// Group is a control group with a CPU quota, created by Controller.New. Its
// owner removes it with Remove; if the owner dies first, its reaper (or the
// next Sweep) does.
type Group struct {
	version Version
	name    string
	path    string
	cores   float64
	reaper  *exec.Cmd
	reaped  chan struct{}
}

// Name is the group's directory name.
func (g *Group) Name() string { return g.name }

// Path is the group's directory.
func (g *Group) Path() string { return g.path }

// Cores is the quota in cores of this host (0.5 = half of one core).
func (g *Group) Cores() float64 { return g.cores }

// New creates a group whose processes together get at most cores CPUs' worth
// of time per period, and starts its reaper.
func (c *Controller) New(cores float64) (*Group, error) {
	if !(cores > 0 && cores <= MaxCores) {
		return nil, fmt.Errorf("%w: %g cores: want more than 0 and at most %d", ErrBudget, cores, MaxCores)
	}
	self, err := ownerOf(os.Getpid())
	if err != nil {
		return nil, err
	}
	var r [4]byte
	_, _ = rand.Read(r[:])
	name := fmt.Sprintf("%s%d-%d-%s", Prefix, self.pid, self.start, hex.EncodeToString(r[:]))
	g := &Group{version: c.version, name: name, path: filepath.Join(c.dir, name), cores: cores}
	if err := os.Mkdir(g.path, 0o755); err != nil {
		if errors.Is(err, os.ErrPermission) {
			return nil, fmt.Errorf("%w: %w", ErrPermission, err)
		}
		return nil, fmt.Errorf("create cgroup: %w", err)
	}
	if err := g.setQuota(); err != nil {
		return nil, errors.Join(err, g.rmdir())
	}
	if err := g.startReaper(self); err != nil {
		return nil, errors.Join(err, g.rmdir())
	}
	return g, nil
}

func (g *Group) setQuota() error {
	period := cfsPeriod.Microseconds()
	quota := max(int64(g.cores*float64(period)+0.5), 1000) // the kernel's minimum is 1 ms
	switch g.version {
	case V1:
		if err := g.write("cpu.cfs_period_us", strconv.FormatInt(period, 10)); err != nil {
			return err
		}
		return g.write("cpu.cfs_quota_us", strconv.FormatInt(quota, 10))
	default:
		return g.write("cpu.max", fmt.Sprintf("%d %d", quota, period))
	}
}

func (g *Group) write(file, value string) error {
	if err := os.WriteFile(filepath.Join(g.path, file), []byte(value), 0); err != nil {
		return fmt.Errorf("cgroup %s: write %s: %w", g.name, file, err)
	}
	return nil
}

// Add moves the process pid (all its threads) into the group. Its children
// started afterwards are born in it.
func (g *Group) Add(pid int) error {
	return g.write("cgroup.procs", strconv.Itoa(pid))
}

// Procs lists the processes in the group.
func (g *Group) Procs() ([]int, error) { return readProcs(g.path) }

func readProcs(dir string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil, fmt.Errorf("read cgroup.procs: %w", err)
	}
	var pids []int
	for f := range strings.FieldsSeq(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// Stats are the group's CPU statistics (cpu.stat).
type Stats struct {
	Periods       int64         // CFS periods in which the group ran
	Throttled     int64         // periods in which it hit its quota
	ThrottledTime time.Duration // time its threads were held back
	// Usage is the group's CPU time; v2 only (v1's is in cpuacct), else -1.
	Usage time.Duration
}

// Stats reads cpu.stat.
func (g *Group) Stats() (Stats, error) {
	b, err := os.ReadFile(filepath.Join(g.path, "cpu.stat"))
	if err != nil {
		return Stats{}, fmt.Errorf("read cpu.stat: %w", err)
	}
	return parseCPUStat(b), nil
}

func parseCPUStat(b []byte) Stats {
	s := Stats{Usage: -1}
	for line := range bytes.Lines(b) {
		k, v, ok := strings.Cut(strings.TrimSpace(string(line)), " ")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "nr_periods":
			s.Periods = n
		case "nr_throttled":
			s.Throttled = n
		case "throttled_time": // v1, ns
			s.ThrottledTime = time.Duration(n)
		case "throttled_usec": // v2
			s.ThrottledTime = time.Duration(n) * time.Microsecond
		case "usage_usec": // v2
			s.Usage = time.Duration(n) * time.Microsecond
		}
	}
	return s
}

// Remove kills whatever still runs in the group (its owner should have stopped
// its processes before), removes the group and stops its reaper.
func (g *Group) Remove() error {
	err := killAll(g.path)
	if err == nil {
		err = g.rmdir()
	}
	if g.reaper != nil {
		_ = g.reaper.Process.Kill()
		<-g.reaped
		g.reaper = nil
	}
	return err
}

// killAll sends SIGKILL to the group's processes until it is empty (bounded).
func killAll(dir string) error {
	for range 100 {
		pids, err := readProcs(dir)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("cgroup %s: processes left after 2 s of SIGKILL", filepath.Base(dir))
}

// rmdir removes the group's directory; it may be busy for a moment after its
// last process died.
func (g *Group) rmdir() error { return removeDir(g.path) }

func removeDir(dir string) error {
	var err error
	for range 50 {
		err = syscall.Rmdir(dir)
		if err == nil || errors.Is(err, syscall.ENOENT) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("remove cgroup %s: %w", filepath.Base(dir), err)
}
