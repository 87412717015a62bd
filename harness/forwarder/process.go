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
	"syscall"
	"time"
)

// Timeouts of a forwarder process.
const (
	readyTimeout = 10 * time.Second
	stopGrace    = 3 * time.Second
)

// Process is a running forwarder process.
type Process struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser

	mu     sync.Mutex // guards stdin writes and last
	last   *Report
	stderr strings.Builder // guarded by mu; bounded by tailBytes

	start time.Time // the link clock's zero, from the ready line
	sched string    // how its threads are scheduled, from the ready line

	done chan struct{} // closed when the process has exited and its output is read
	err  error         // of Wait, valid after done
}

const tailBytes = 8 << 10

// Start starts the forwarder program argv (e.g. the harness binary with the
// argument "link-forward") with the extra environment env, hands it cfg and
// waits until its devices exist. Every Report it writes goes to onReport
// (may be nil), from one goroutine, in order. The process gets SIGKILL when
// this one dies.
func Start(ctx context.Context, argv, env []string, cfg Config, onReport func(Report)) (*Process, error) {
	if len(argv) == 0 {
		return nil, errors.New("no forwarder command")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(cmd.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("forwarder stdin: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("forwarder stdout: %w", err)
	}
	p := &Process{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	cmd.Stderr = tailWriter{p}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start forwarder %s: %w", argv[0], err)
	}
	readyc := make(chan error, 1)
	go p.readOutput(stdout, readyc, onReport)

	data, err := json.Marshal(cfg)
	if err == nil {
		_, err = stdin.Write(append(data, '\n'))
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("send forwarder config: %w", err), p.Stop())
	}
	t := time.NewTimer(readyTimeout)
	defer t.Stop()
	select {
	case err = <-readyc:
	case <-ctx.Done():
		err = ctx.Err()
	case <-t.C:
		err = fmt.Errorf("not ready after %s", readyTimeout)
	}
	if err != nil {
		stopErr := p.Stop()
		return nil, errors.Join(fmt.Errorf("forwarder: %w (stderr: %s)", err, strings.TrimSpace(p.Stderr())), stopErr)
	}
	return p, nil
}

func (p *Process) readOutput(stdout io.Reader, readyc chan<- error, onReport func(Report)) {
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
	_, _ = io.Copy(io.Discard, stdout)
	p.err = p.cmd.Wait()
	if first {
		readyc <- fmt.Errorf("exited before it was ready: %v", p.err)
	}
	close(p.done)
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
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is how the process ended; valid after Done.
func (p *Process) Err() error { return p.err }

// Last returns the latest Report, nil before the first.
func (p *Process) Last() *Report {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// Stderr returns the end of what the process wrote to stderr.
func (p *Process) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// StartSchedule starts the held schedules of the links now.
func (p *Process) StartSchedule() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.stdin, CmdStartSchedule+"\n"); err != nil {
		return fmt.Errorf("forwarder: start schedule: %w", err)
	}
	return nil
}

// Stop ends the process: it closes its input (it writes a last Report and
// exits), and kills it if it has not exited after a grace period.
func (p *Process) Stop() error {
	p.mu.Lock()
	_ = p.stdin.Close()
	p.mu.Unlock()
	select {
	case <-p.done:
		return nil
	case <-time.After(stopGrace):
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
	return fmt.Errorf("forwarder did not exit within %s after its input ended; killed", stopGrace)
}

// tailWriter keeps the end of the process's stderr.
type tailWriter struct{ p *Process }

func (w tailWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	s := w.p.stderr.String() + string(b)
	if len(s) > tailBytes {
		s = s[len(s)-tailBytes:]
	}
	w.p.stderr.Reset()
	w.p.stderr.WriteString(s)
	return len(b), nil
}
