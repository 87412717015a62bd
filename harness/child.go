package harness

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	childproc "echtzeit/internal/child"
)

// stopGrace is how long a child gets between SIGTERM and SIGKILL.
const stopGrace = 3 * time.Second

// childTail is how many output lines of a child are kept for failure reports.
const childTail = 40

// child is a started binary (signaling, camera) whose output is kept as a
// tail for failure reports and copied to the harness log. It is
// internal/child's Process with the harness's grace period.
type child struct {
	*childproc.Process
}

// startChild starts path with args in its own process group (see
// internal/child). Its stdout and stderr go to the tail and to logger (as
// "name: line" at info level).
func startChild(name, path string, args []string, logger *slog.Logger) (*child, error) {
	return startChildIn(nil, name, path, args, logger)
}

// startChildIn is startChild through a command prefix (nil: none), e.g.
// "ip netns exec NAME", which executes the program in its own place: the
// child's process ID is the program's.
func startChildIn(prefix []string, name, path string, args []string, logger *slog.Logger) (*child, error) {
	return startChildEnv(prefix, nil, name, path, args, logger)
}

// startChildEnv is startChildIn with env added to the harness's environment
// (for secrets that must not show in the process list).
func startChildEnv(prefix, env []string, name, path string, args []string, logger *slog.Logger) (*child, error) {
	return startChildConfig(childproc.Config{Name: name, Path: path, Args: args, Env: env, Prefix: prefix}, logger)
}

// startChildPiped is startChild with the child's stdout as a pipe for the
// caller (child.Stdout); only its stderr goes to the tail and the log.
func startChildPiped(name, path string, args []string, logger *slog.Logger) (*child, error) {
	return startChildConfig(childproc.Config{Name: name, Path: path, Args: args, PipeStdout: true}, logger)
}

// startChildConfig starts cfg's program with the harness's tail length and
// its output copied to logger as "name: line".
func startChildConfig(cfg childproc.Config, logger *slog.Logger) (*child, error) {
	name := cfg.Name
	cfg.TailLines = childTail
	cfg.OnLine = func(line string) { logger.Info(name+": "+line, "component", name) }
	cfg.Logger = logger.With("component", name)
	p, err := childproc.Start(cfg)
	if err != nil {
		return nil, err
	}
	return &child{p}, nil
}

// Stop sends SIGTERM, waits up to stopGrace, then SIGKILLs the process group.
// It returns an error only when the process had to be killed.
func (c *child) Stop() error { return c.Process.Stop(stopGrace) }

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
		case <-c.Done():
			return errors.New(c.ExitReason())
		case <-t.C:
		}
	}
}

// tailLines returns the last n lines of s.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
