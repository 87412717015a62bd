package child_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/internal/child"
)

// testTimeout bounds every wait of these tests; the machine is shared, so it
// is generous. Nothing here asserts a duration.
const testTimeout = 30 * time.Second

// sh starts sh -c script and stops it when the test ends.
func sh(t *testing.T, script string, mod ...func(*child.Config)) *child.Process {
	t.Helper()
	cfg := child.Config{Name: "script", Path: "/bin/sh", Args: []string{"-c", script}}
	for _, m := range mod {
		m(&cfg)
	}
	p, err := child.Start(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Stop(time.Second) })
	return p
}

// wait waits for p to end and returns its exit error.
func wait(t *testing.T, p *child.Process) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	err := p.Wait(ctx)
	require.NotErrorIs(t, err, context.DeadlineExceeded, "process did not end")
	return err
}

// lines returns an OnLine callback that sends each line to the channel.
func lines(ch chan<- string) func(*child.Config) {
	return func(c *child.Config) { c.OnLine = func(l string) { ch <- l } }
}

// nextLine waits for the next output line.
func nextLine(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case l := <-ch:
		return l
	case <-time.After(testTimeout):
		t.Fatal("no output line")
		return ""
	}
}

// gone reports whether pid no longer runs (missing, or a zombie nobody reaps
// yet: init in a container may be slow to).
func gone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

// pgid returns the process group of pid from /proc.
func pgid(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(t, err)
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	g, err := strconv.Atoi(f[2]) // state, ppid, pgrp
	require.NoError(t, err)
	return g
}

func requireGone(t *testing.T, pid int, what string) {
	t.Helper()
	require.Eventually(t, func() bool { return gone(pid) }, testTimeout, 10*time.Millisecond, "%s (pid %d) still runs", what, pid)
}

func TestOutputTail(t *testing.T) {
	ch := make(chan string, 200)
	p := sh(t, `i=1; while [ $i -le 100 ]; do echo "out $i"; i=$((i+1)); done; echo "to stderr" >&2`,
		lines(ch), func(c *child.Config) { c.TailLines = 5 })
	require.NoError(t, wait(t, p))
	assert.Equal(t, []string{"out 97", "out 98", "out 99", "out 100", "to stderr"}, p.TailLines())
	assert.Equal(t, "out 97\nout 98\nout 99\nout 100\nto stderr\n", p.Tail())
	close(ch)
	var seen []string
	for l := range ch {
		seen = append(seen, l)
	}
	require.Len(t, seen, 101, "every line reaches OnLine")
	assert.Equal(t, "out 1", seen[0])
	assert.Equal(t, "to stderr", seen[100])
}

func TestOutputLongLineCut(t *testing.T) {
	p := sh(t, `printf '%0600d\n' 0`, func(c *child.Config) { c.LineLen = 20 })
	require.NoError(t, wait(t, p))
	assert.Equal(t, []string{strings.Repeat("0", 20) + "…"}, p.TailLines())
}

func TestExitText(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   string
	}{
		{"success", "exit 0", "exit status 0"},
		{"failure", "exit 2", "exit status 2"},
		{"terminated", "kill -TERM $$", "signal: terminated"},
		{"killed", "kill -KILL $$", "signal: killed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := sh(t, tt.script)
			err := wait(t, p)
			assert.Equal(t, tt.want, p.ExitText())
			assert.Equal(t, tt.want, child.ExitText(err))
			assert.Equal(t, "script exited: "+tt.want, p.ExitReason())
			assert.True(t, p.Exited())
			if tt.want != "exit status 0" {
				var ee *exec.ExitError
				require.ErrorAs(t, err, &ee)
			}
		})
	}
}

func TestRunningText(t *testing.T) {
	p := sh(t, "sleep 60")
	assert.False(t, p.Exited())
	assert.Equal(t, "running", p.ExitText())
	assert.Equal(t, "script is running", p.ExitReason())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, p.Wait(ctx), context.DeadlineExceeded)
}

func TestStartErrors(t *testing.T) {
	_, err := child.Start(child.Config{})
	require.ErrorIs(t, err, child.ErrNoPath)

	_, err = child.Start(child.Config{Name: "camera", Path: "/nonexistent/camera"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "start camera")
	assert.Contains(t, err.Error(), "/nonexistent/camera")
}

func TestOwnProcessGroup(t *testing.T) {
	p := sh(t, "sleep 60")
	assert.Equal(t, p.PID(), pgid(t, p.PID()))
	assert.NotEqual(t, pgid(t, os.Getpid()), p.PID())
}

func TestStopTerminates(t *testing.T) {
	p := sh(t, "sleep 60")
	require.NoError(t, p.Stop(testTimeout))
	assert.True(t, p.Exited())
	assert.Equal(t, "signal: terminated", p.ExitText())
	require.NoError(t, p.Stop(time.Second), "stopping an exited process does nothing")
}

// A program that ignores SIGTERM is killed, with its whole group, after the
// grace period.
func TestStopEscalatesToKill(t *testing.T) {
	ch := make(chan string, 10)
	p := sh(t, `trap 'echo got TERM' TERM; echo ready; while :; do sleep 0.05; done`, lines(ch))
	require.Equal(t, "ready", nextLine(t, ch))
	err := p.Stop(300 * time.Millisecond)
	require.ErrorIs(t, err, child.ErrKilled)
	assert.Contains(t, err.Error(), "script")
	assert.Equal(t, "signal: killed", p.ExitText())
	assert.Contains(t, p.Tail(), "got TERM", "the program saw SIGTERM first")
}

// Stop reaches the program's own children through the process group.
func TestStopKillsGrandchildren(t *testing.T) {
	ch := make(chan string, 10)
	// The shell ignores TERM and waits; its child would outlive it if only
	// the shell were signalled.
	p := sh(t, `trap '' TERM; sleep 60 & echo $!; wait`, lines(ch))
	grandchild, err := strconv.Atoi(nextLine(t, ch))
	require.NoError(t, err)
	require.False(t, gone(grandchild))
	require.ErrorIs(t, p.Stop(300*time.Millisecond), child.ErrKilled)
	requireGone(t, grandchild, "grandchild")
}

// When the program exits by itself, what is left of its group is killed
// too, and Done does not wait for it.
func TestExitKillsLeftovers(t *testing.T) {
	ch := make(chan string, 10)
	p := sh(t, `sleep 60 & echo $!`, lines(ch))
	grandchild, err := strconv.Atoi(nextLine(t, ch))
	require.NoError(t, err)
	require.NoError(t, wait(t, p))
	requireGone(t, grandchild, "grandchild left in the group")
}

// A process outside the group that keeps the output open does not keep Done
// from closing: the output is drained for OutputDrain at most.
func TestOutputDrainBounded(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("setsid not installed")
	}
	ch := make(chan string, 10)
	p := sh(t, `setsid sleep 60 & echo $!; sleep 0.1`, lines(ch),
		func(c *child.Config) { c.OutputDrain = 100 * time.Millisecond })
	escaped, err := strconv.Atoi(nextLine(t, ch))
	require.NoError(t, err)
	t.Cleanup(func() { _ = killPID(escaped) })
	require.NoError(t, wait(t, p))
	assert.False(t, gone(escaped), "a process in another session is not the group's")
}

func killPID(pid int) error {
	proc, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return proc.Kill()
}

func TestPipeStdout(t *testing.T) {
	p := sh(t, `echo data; echo more data; echo "a log line" >&2`,
		func(c *child.Config) { c.PipeStdout = true })
	out := p.Stdout()
	require.NotNil(t, out)
	data, err := io.ReadAll(out)
	require.NoError(t, err)
	require.NoError(t, out.Close())
	assert.Equal(t, "data\nmore data\n", string(data))
	require.NoError(t, wait(t, p))
	assert.Equal(t, "a log line\n", p.Tail())

	assert.Nil(t, sh(t, "true").Stdout(), "no pipe without PipeStdout")
}

func TestHooks(t *testing.T) {
	t.Run("env", func(t *testing.T) {
		p := sh(t, `echo "$ECHTZEIT_A $ECHTZEIT_B"`, func(c *child.Config) {
			c.Env = []string{"ECHTZEIT_A=one", "ECHTZEIT_B=two"}
		})
		require.NoError(t, wait(t, p))
		assert.Equal(t, "one two\n", p.Tail())
	})
	t.Run("prefix runs the program", func(t *testing.T) {
		// env(1) stands in for "ip netns exec NAME": it execs the program.
		p := sh(t, `echo "$ECHTZEIT_PREFIX"; echo $$`, func(c *child.Config) {
			c.Prefix = []string{"env", "ECHTZEIT_PREFIX=through the prefix"}
		})
		require.NoError(t, wait(t, p))
		lines := p.TailLines()
		require.Len(t, lines, 2)
		assert.Equal(t, "through the prefix", lines[0])
		assert.Equal(t, strconv.Itoa(p.PID()), lines[1], "the prefix keeps the PID")
	})
	t.Run("prepare adjusts the command", func(t *testing.T) {
		dir := t.TempDir()
		p := sh(t, "pwd", func(c *child.Config) {
			c.Prepare = func(cmd *exec.Cmd) error { cmd.Dir = dir; return nil }
		})
		require.NoError(t, wait(t, p))
		want, err := filepath.EvalSymlinks(dir)
		require.NoError(t, err)
		assert.Equal(t, want+"\n", p.Tail())
	})
	t.Run("prepare error aborts", func(t *testing.T) {
		errNo := errors.New("no namespace")
		_, err := child.Start(child.Config{Path: "/bin/true", Prepare: func(*exec.Cmd) error { return errNo }})
		require.ErrorIs(t, err, errNo)
	})
	t.Run("after start gets the PID", func(t *testing.T) {
		var got int
		p := sh(t, "sleep 60", func(c *child.Config) {
			c.AfterStart = func(pid int) error { got = pid; return nil }
		})
		assert.Equal(t, p.PID(), got)
	})
	t.Run("after start error kills", func(t *testing.T) {
		errNo := errors.New("no cgroup")
		var pid int
		_, err := child.Start(child.Config{Path: "/bin/sleep", Args: []string{"60"},
			AfterStart: func(p int) error { pid = p; return errNo }})
		require.ErrorIs(t, err, errNo)
		require.NotZero(t, pid)
		requireGone(t, pid, "process whose AfterStart failed")
	})
}

// The parent-death signal is tied to the thread that started the process.
// A goroutine that exits while locked to its thread ends the thread (what
// code that enters a network namespace does): the process must survive it.
func TestSurvivesStartingThread(t *testing.T) {
	// Several rounds: a locked goroutine on the main thread does not end it.
	const rounds = 4
	started := make(chan *child.Process, rounds)
	for range rounds {
		go func() {
			runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
			p, err := child.Start(child.Config{Path: "/bin/sleep", Args: []string{"60"}})
			if err != nil {
				t.Error(err)
			}
			started <- p
		}()
	}
	var procs []*child.Process
	for range rounds {
		p := <-started
		require.NotNil(t, p)
		t.Cleanup(func() { _ = p.Stop(time.Second) })
		procs = append(procs, p)
	}
	time.Sleep(200 * time.Millisecond) // the parent-death signal would act at once
	for _, p := range procs {
		assert.False(t, p.Exited(), "process died with the thread that called Start: %s", p.ExitText())
	}
}

// TestDiesWithParent kills a process that started a child with SIGKILL: the
// kernel must kill the child too.
func TestDiesWithParent(t *testing.T) {
	if pidFile := os.Getenv("CHILD_TEST_PIDFILE"); pidFile != "" {
		p, err := child.Start(child.Config{Path: "/bin/sleep", Args: []string{"60"}})
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(pidFile+".tmp", []byte(strconv.Itoa(p.PID())), 0o644))
		require.NoError(t, os.Rename(pidFile+".tmp", pidFile))
		time.Sleep(testTimeout)
		return
	}
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux's")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	helper := exec.Command(os.Args[0], "-test.run=^TestDiesWithParent$", "-test.timeout=2m")
	helper.Env = append(os.Environ(), "CHILD_TEST_PIDFILE="+pidFile)
	require.NoError(t, helper.Start())
	defer func() { _ = helper.Process.Kill(); _ = helper.Wait() }()
	var pid int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(pidFile)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(string(b))
		return err == nil
	}, testTimeout, 10*time.Millisecond, "helper wrote no PID")
	require.False(t, gone(pid))
	require.NoError(t, helper.Process.Signal(os.Kill))
	_ = helper.Wait()
	requireGone(t, pid, "child of a killed parent")
}
