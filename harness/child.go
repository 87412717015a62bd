package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a child gets between SIGTERM and SIGKILL.
const stopGrace = 3 * time.Second

// child is a started binary (signaling, camera) whose stderr is kept as a tail
// for failure reports and copied to the harness log.
type child struct {
	name string
	cmd  *exec.Cmd
	tail *lineTail
	done chan struct{} // closed when the process has exited and its output is read
	err  error         // exit error, valid after done
}

// startChild starts path with args. Its stdout and stderr go to the tail and to
// logger (as "name: line" at info level).
func startChild(name, path string, args []string, logger *slog.Logger) (*child, error) {
	return startChildEnv(name, path, args, nil, logger)
}

// startChildEnv is startChild with env added to the harness's environment
// (for secrets that must not show in the process list).
func startChildEnv(name, path string, args, env []string, logger *slog.Logger) (*child, error) {
	cmd := exec.Command(path, args...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = pw
	c := &child{name: name, cmd: cmd, tail: newLineTail(40), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		_ = pw.Close()
		_ = pr.Close()
		return nil, fmt.Errorf("start %s (%s): %w", name, path, err)
	}
	logger.Info("started", "component", name, "pid", cmd.Process.Pid, "args", strings.Join(args, " "))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			c.tail.add(line)
			logger.Info(name+": "+line, "component", name)
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	go func() {
		c.err = cmd.Wait()
		_ = pw.Close()
		wg.Wait()
		close(c.done)
		logger.Info("exited", "component", name, "pid", cmd.Process.Pid, "status", exitText(c.err))
	}()
	return c, nil
}

// PID returns the process ID.
func (c *child) PID() int { return c.cmd.Process.Pid }

// Done is closed when the process has exited.
func (c *child) Done() <-chan struct{} { return c.done }

// Exited reports whether the process has exited.
func (c *child) Exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// ExitReason describes how the process ended ("camera exited: exit status 2").
func (c *child) ExitReason() string {
	return fmt.Sprintf("%s exited: %s", c.name, exitText(c.err))
}

// Tail returns the last lines of the process's output.
func (c *child) Tail() string { return c.tail.String() }

// Stop sends SIGTERM, waits up to stopGrace, then SIGKILLs the process group.
// It returns the exit error unless the process ended because of the stop.
func (c *child) Stop() error {
	if c.Exited() {
		return nil
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(stopGrace):
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
		return fmt.Errorf("%s did not stop within %s after SIGTERM; killed", c.name, stopGrace)
	}
	return nil
}

// waitUntil polls cond every interval until it returns true, ctx ends, or the
// child exits.
func (c *child) waitUntil(ctx context.Context, interval time.Duration, cond func(context.Context) bool) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if cond(ctx) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.done:
			return errors.New(c.ExitReason())
		case <-t.C:
		}
	}
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// lineTail keeps the last n lines written to it.
type lineTail struct {
	mu    sync.Mutex
	n     int
	lines []string
}

func newLineTail(n int) *lineTail { return &lineTail{n: n} }

func (t *lineTail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(line) > 500 {
		line = line[:500] + "…"
	}
	t.lines = append(t.lines, line)
	if len(t.lines) > t.n {
		t.lines = append(t.lines[:0], t.lines[len(t.lines)-t.n:]...)
	}
}

func (t *lineTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return ""
	}
	return strings.Join(t.lines, "\n") + "\n"
}

// tailLines returns the last n lines of s.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
