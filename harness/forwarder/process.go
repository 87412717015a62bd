package forwarder

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"

	"echtzeit/internal/child"
)

// Timeouts of a forwarder process.
const (
	readyTimeout = 10 * time.Second
	stopGrace    = 3 * time.Second
	stderrLines  = 20
)

// Process is a running forwarder process (internal/child: its own process
// group, SIGKILL when this program dies, the end of its stderr kept).
type Process struct {
	proc  *child.Process
	stdin io.WriteCloser

	mu   sync.Mutex // guards stdin writes and last
	last *Report

	start time.Time // the link clock's zero, from the ready line
	sched string    // how its threads are scheduled, from the ready line
	read  chan struct{}
}

// Start starts the forwarder program argv (e.g. the harness binary with the
// argument "link-forward") with the extra environment env, hands it cfg and
// waits until its devices exist. Every Report it writes goes to onReport
// (may be nil), from one goroutine, in order.
func Start(ctx context.Context, argv, env []string, cfg Config, onReport func(Report)) (*Process, error) {
	if len(argv) == 0 {
		return nil, errors.New("no forwarder command")
	}
	p := &Process{read: make(chan struct{})}
	proc, err := child.Start(child.Config{
		Name: "forwarder", Path: argv[0], Args: argv[1:], Env: env,
		PipeStdout: true, TailLines: stderrLines,
		Prepare: func(cmd *exec.Cmd) error {
			var err error
			p.stdin, err = cmd.StdinPipe()
			return err
		},
	})
	if err != nil {
		return nil, err
	}
	p.proc = proc
	readyc := make(chan error, 1)
	go p.readOutput(proc.Stdout(), readyc, onReport)

	data, err := json.Marshal(cfg)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("forwarder config: %w", err), p.Stop())
	}
	// A write error means the process is gone: its exit (from readyc) says
	// more than the broken pipe.
	_, writeErr := p.stdin.Write(append(data, '\n'))
	t := time.NewTimer(readyTimeout)
	defer t.Stop()
	select {
	case err = <-readyc:
	case <-ctx.Done():
		err = ctx.Err()
	case <-t.C:
		err = fmt.Errorf("not ready after %s", readyTimeout)
	}
	if err == nil && writeErr != nil {
		err = fmt.Errorf("send config: %w", writeErr)
	}
	if err != nil {
		stopErr := p.Stop()
		return nil, errors.Join(fmt.Errorf("forwarder: %w (stderr: %s)", err, strings.TrimSpace(p.Stderr())), stopErr)
	}
	return p, nil
}

func (p *Process) readOutput(stdout io.ReadCloser, readyc chan<- error, onReport func(Report)) {
	defer close(p.read)
	defer func() { _ = stdout.Close() }()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	first := true
	for sc.Scan() {
		if first {
			first = false
			var r ready
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil || !r.Ready {
				readyc <- fmt.Errorf("unexpected first line %q", clip(sc.Text()))
				continue
			}
			p.start, p.sched = time.Unix(0, r.Start), r.Scheduling
			readyc <- nil
			continue
		}
		var r Report
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			continue
		}
		p.mu.Lock()
		p.last = &r
		p.mu.Unlock()
		if onReport != nil {
			onReport(r)
		}
	}
	if first {
		<-p.proc.Done()
		readyc <- fmt.Errorf("exited before it was ready: %s", p.proc.ExitText())
	}
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// LinkStart is the wall-clock time at which the links' clock started.
func (p *Process) LinkStart() time.Time { return p.start }

// Scheduling says how the forwarder's threads are scheduled ("SCHED_FIFO 10").
func (p *Process) Scheduling() string { return p.sched }

// PID is the forwarder's process ID (for its CPU).
func (p *Process) PID() int { return p.proc.PID() }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.proc.Done() }

// ExitText says how the process ended ("exit status 1", "signal: killed");
// valid after Done.
func (p *Process) ExitText() string { return p.proc.ExitText() }

// Last returns the latest Report, nil before the first.
func (p *Process) Last() *Report {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// Stderr returns the last lines the process wrote to stderr.
func (p *Process) Stderr() string { return p.proc.Tail() }

// StartSchedule starts the held schedules of the links now.
func (p *Process) StartSchedule() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.stdin, CmdStartSchedule+"\n"); err != nil {
		return fmt.Errorf("forwarder: start schedule: %w", err)
	}
	return nil
}

// Stop ends the process: it closes its input (the forwarder writes a last
// Report and exits), and after a grace period stops it with SIGTERM, then
// SIGKILL (internal/child).
func (p *Process) Stop() error {
	p.mu.Lock()
	if p.stdin != nil {
		_ = p.stdin.Close()
	}
	p.mu.Unlock()
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	select {
	case <-p.proc.Done():
	case <-t.C:
		if err := p.proc.Stop(stopGrace); err != nil {
			return fmt.Errorf("forwarder did not exit after its input ended: %w", err)
		}
	}
	<-p.read
	return nil
}
