package cgroup

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests below create real groups; they need the cpu controller and the
// right to create groups (root), else they are skipped.

const ownerEnv = "ECHTZEIT_CGROUP_TEST_OWNER"

func TestMain(m *testing.M) {
	if os.Getenv(ownerEnv) == "1" {
		os.Exit(ownerMain())
	}
	os.Exit(m.Run())
}

// ownerMain is the crash test's owner process: it creates a group with a
// process in it, prints the group's path and the process's PID, and waits to
// be killed.
func ownerMain() int {
	c, err := Detect()
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	g, err := c.New(0.5)
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	sleeper := exec.Command("sleep", "300")
	if err := sleeper.Start(); err != nil || g.Add(sleeper.Process.Pid) != nil {
		fmt.Println("error starting the sleeper")
		return 1
	}
	fmt.Println(g.Path(), sleeper.Process.Pid)
	time.Sleep(5 * time.Minute)
	return 0
}

func liveController(t *testing.T) *Controller {
	t.Helper()
	c, err := Detect()
	if err != nil {
		t.Skipf("no cgroup cpu controller here: %v", err)
	}
	probe, err := c.New(1)
	if errors.Is(err, ErrPermission) {
		t.Skipf("cannot create cgroups here: %v", err)
	}
	require.NoError(t, err)
	require.NoError(t, probe.Remove())
	return c
}

// cpuTicks is utime+stime of pid in clock ticks (USER_HZ = 100 on Linux).
func cpuTicks(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(t, err)
	f := strings.Fields(string(b)[strings.LastIndexByte(string(b), ')')+1:])
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	require.NoError(t, errors.Join(err1, err2))
	return u + s
}

// TestQuotaLimitsCPU: two busy loops in a group with a 0.5-core budget use at
// most 55 % of one core together.
func TestQuotaLimitsCPU(t *testing.T) {
	c := liveController(t)
	g, err := c.New(0.5)
	require.NoError(t, err)
	t.Logf("%s: %s", c, g.Name())
	defer func() { require.NoError(t, g.Remove()) }()
	switch c.Version() {
	case V1:
		b, err := os.ReadFile(filepath.Join(g.Path(), "cpu.cfs_quota_us"))
		require.NoError(t, err)
		assert.Equal(t, "50000", strings.TrimSpace(string(b)))
	case V2:
		b, err := os.ReadFile(filepath.Join(g.Path(), "cpu.max"))
		require.NoError(t, err)
		assert.Equal(t, "50000 100000", strings.TrimSpace(string(b)))
	}
	var spinners []*exec.Cmd
	for range 2 {
		cmd := exec.Command("sh", "-c", "while :; do :; done")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		require.NoError(t, cmd.Start())
		spinners = append(spinners, cmd)
		require.NoError(t, g.Add(cmd.Process.Pid))
	}
	pids, err := g.Procs()
	require.NoError(t, err)
	assert.Len(t, pids, 2)

	time.Sleep(500 * time.Millisecond)
	var before int64
	for _, s := range spinners {
		before += cpuTicks(t, s.Process.Pid)
	}
	start := time.Now()
	time.Sleep(4 * time.Second)
	var after int64
	for _, s := range spinners {
		after += cpuTicks(t, s.Process.Pid)
	}
	pct := float64(after-before) / 100 / time.Since(start).Seconds() * 100
	st, err := g.Stats()
	require.NoError(t, err)
	t.Logf("two busy loops under 0.5 core: %.1f %% of one core; %d of %d periods throttled (%s)", pct, st.Throttled, st.Periods, st.ThrottledTime)
	assert.LessOrEqual(t, pct, 55.0, "the quota holds")
	assert.Positive(t, st.Periods)

	require.NoError(t, g.Remove())
	for _, s := range spinners {
		_ = s.Wait() // killed by Remove
	}
	_, err = os.Stat(g.Path())
	require.ErrorIs(t, err, os.ErrNotExist, "the group is gone")
}

// TestGroupGoneAfterOwnerCrash: the owner is killed with SIGKILL; its reaper
// kills the process left in the group and removes the group.
func TestGroupGoneAfterOwnerCrash(t *testing.T) {
	liveController(t)
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), ownerEnv+"=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	f := strings.Fields(line)
	require.Len(t, f, 2, "owner said %q", line)
	path := f[0]
	sleeper, err := strconv.Atoi(f[1])
	require.NoError(t, err)
	require.DirExists(t, path)

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, err = os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist, "the reaper removed %s", path)
	// Killed: gone, or a zombie until its new parent (init) reaps it.
	_, err = ownerOf(sleeper)
	assert.Error(t, err, "the process left in the group was killed")
}

// TestSweep removes a group whose owner is gone and keeps a live one.
func TestSweep(t *testing.T) {
	c := liveController(t)
	// A real process that has exited stands for the dead owner.
	dead := exec.Command("sleep", "30")
	require.NoError(t, dead.Start())
	o, err := ownerOf(dead.Process.Pid)
	require.NoError(t, err)
	require.NoError(t, dead.Process.Kill())
	_ = dead.Wait()
	stale := filepath.Join(c.Dir(), fmt.Sprintf("%s%d-%d-deadbeef", Prefix, o.pid, o.start))
	require.NoError(t, os.Mkdir(stale, 0o755))
	t.Cleanup(func() { _ = removeDir(stale) })
	left := exec.Command("sleep", "300")
	require.NoError(t, left.Start())
	require.NoError(t, os.WriteFile(filepath.Join(stale, "cgroup.procs"), []byte(strconv.Itoa(left.Process.Pid)), 0))

	live, err := c.New(1)
	require.NoError(t, err)
	defer func() { require.NoError(t, live.Remove()) }()

	removed, err := c.Sweep()
	require.NoError(t, err)
	assert.Contains(t, removed, filepath.Base(stale))
	assert.NotContains(t, removed, live.Name())
	assert.NoDirExists(t, stale)
	assert.DirExists(t, live.Path())
	_ = left.Wait() // killed by Sweep
}
