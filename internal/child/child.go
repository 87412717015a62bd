package child

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// DefaultOutputDrain is how long a Process waits, after it has exited, for
// the rest of its output when something outside its process group still
// holds the output open.
const DefaultOutputDrain = time.Second

// Config says what to start and how.
type Config struct {
	// Name names the process in ExitReason and errors ("camera exited: …").
	// Empty means the base name of Path.
	Name string
	// Path is the program; Args its arguments (without the program name).
	Path string
	Args []string
	// Env is added to this program's environment ("KEY=value"; a later entry
	// wins over an earlier one of the same key).
	Env []string
	// Prefix, if not empty, is a command line that runs Path: the process is
	// Prefix[0] with arguments Prefix[1:], Path, Args… — e.g.
	// {"ip", "netns", "exec", "NAME"} to start it in a network namespace.
	// The prefix program must exec Path (keep the PID) for Stop and the
	// process group to reach it.
	Prefix []string
	// Prepare, if set, adjusts the command just before it starts (Dir,
	// SysProcAttr fields such as Cloneflags, extra files). It must keep
	// SysProcAttr's Setpgid and Pdeathsig. An error aborts Start.
	Prepare func(cmd *exec.Cmd) error
	// AfterStart, if set, runs with the PID right after the start, before
	// Start returns (e.g. to move the process into a cgroup). When it fails
	// the process group is killed and Start returns the error.
	AfterStart func(pid int) error

	// PipeStdout gives the process's stdout to the caller as Stdout() (for a
	// data stream); the Tail then has only stderr. Otherwise stdout and
	// stderr go, interleaved, to the Tail.
	PipeStdout bool
	// TailLines and LineLen bound the Tail (see NewTail).
	TailLines, LineLen int
	// OnLine, if set, receives every output line (see Tail).
	OnLine func(line string)
	// OutputDrain bounds the wait for the end of the output after the exit
	// (DefaultOutputDrain when ≤ 0).
	OutputDrain time.Duration
	// Logger, if set, gets "started" (pid, args) and "exited" (pid, status)
	// at info level.
	Logger *slog.Logger
}

// Process is a started program. Its methods are safe for concurrent use.
type Process struct {
	name   string
	pid    int
	proc   *os.Process
	logger *slog.Logger // nil: no lifecycle logs
	tail   *Tail
	stdout *os.File // read end of stdout with PipeStdout, owned by the caller

	// mu guards exited and orders it against signals: once exited is set the
	// process group may be gone and its ID reused, so no signal is sent.
	mu     sync.Mutex
	exited bool

	reaped chan struct{} // closed when the process has been waited for
	done   chan struct{} // closed when, in addition, the output has been read
	err    error         // the wait's error, valid after reaped
}

// Start starts the program described by cfg. It returns when the process
// runs (and AfterStart has run), or with an error saying what failed.
func Start(cfg Config) (*Process, error) {
	if cfg.Path == "" {
		return nil, ErrNoPath
	}
	name := cfg.Name
	if name == "" {
		name = filepath.Base(cfg.Path)
	}
	argv := append(append(append([]string(nil), cfg.Prefix...), cfg.Path), cfg.Args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	if len(cfg.Env) > 0 {
		cmd.Env = append(cmd.Environ(), cfg.Env...)
	}
	Configure(cmd)
	p := &Process{
		name:   name,
		logger: cfg.Logger,
		tail:   NewTail(cfg.TailLines, cfg.LineLen, cfg.OnLine),
		reaped: make(chan struct{}),
		done:   make(chan struct{}),
	}
	pipes, err := p.attachOutput(cmd, cfg.PipeStdout)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	if cfg.Prepare != nil {
		if err := cfg.Prepare(cmd); err != nil {
			pipes.closeAll()
			return nil, fmt.Errorf("start %s: prepare: %w", name, err)
		}
	}
	if err := p.run(cmd, pipes, cfg.OutputDrain, cfg.Args); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", name, cmd.Path, err)
	}
	if cfg.AfterStart != nil {
		if err := cfg.AfterStart(p.pid); err != nil {
			p.signal(sigKill)
			<-p.done
			return nil, fmt.Errorf("start %s: after start: %w", name, err)
		}
	}
	return p, nil
}

// pipeSet holds the pipes of a command being started.
type pipeSet struct {
	outR, outW   *os.File // output to the Tail
	dataR, dataW *os.File // stdout with PipeStdout: the caller's and the child's end
}

func (s pipeSet) closeChildEnds() {
	_ = s.outW.Close()
	if s.dataW != nil {
		_ = s.dataW.Close()
	}
}

// closeAll closes every end, when the process did not start.
func (s pipeSet) closeAll() {
	s.closeChildEnds()
	_ = s.outR.Close()
	if s.dataR != nil {
		_ = s.dataR.Close()
	}
}

// attachOutput connects the command's output to pipes of our own (not
// exec's copying goroutines, so that Wait returns when the process exits
// and the output is drained under our bound).
func (p *Process) attachOutput(cmd *exec.Cmd, pipeStdout bool) (pipeSet, error) {
	var s pipeSet
	var err error
	if s.outR, s.outW, err = os.Pipe(); err != nil {
		return s, fmt.Errorf("output pipe: %w", err)
	}
	cmd.Stdout, cmd.Stderr = s.outW, s.outW
	if pipeStdout {
		if s.dataR, s.dataW, err = os.Pipe(); err != nil {
			s.closeAll()
			return s, fmt.Errorf("stdout pipe: %w", err)
		}
		cmd.Stdout, p.stdout = s.dataW, s.dataR
	}
	return s, nil
}

// run starts cmd on a goroutine locked to its thread, which then waits for
// the process: the parent-death signal is tied to the thread that started
// the process, so that thread must live as long as the process.
func (p *Process) run(cmd *exec.Cmd, pipes pipeSet, drain time.Duration, args []string) error {
	if drain <= 0 {
		drain = DefaultOutputDrain
	}
	started := make(chan error, 1)
	readDone := make(chan struct{})
	go func() { // owned by the process: ends when it has been waited for
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := cmd.Start()
		pipes.closeChildEnds()
		if err != nil {
			pipes.closeAll()
			started <- err
			return
		}
		p.pid, p.proc = cmd.Process.Pid, cmd.Process
		if p.logger != nil {
			p.logger.Info("started", "pid", p.pid, "args", strings.Join(args, " "))
		}
		go p.readOutput(pipes.outR, readDone)
		started <- nil
		p.wait(cmd)
		// Something outside the group may hold the output open: bound the wait.
		_ = pipes.outR.SetReadDeadline(time.Now().Add(drain))
		<-readDone
		if p.logger != nil {
			p.logger.Info("exited", "pid", p.pid, "status", ExitText(p.err))
		}
		close(p.done)
	}()
	return <-started
}

// wait waits for the process to exit, kills what is left of its group while
// the process ID is still reserved (the process is a zombie), then reaps it.
func (p *Process) wait(cmd *exec.Cmd) {
	if waitExited(p.pid) {
		p.mu.Lock()
		signalGroup(p.proc, sigKill)
		p.exited = true
		p.mu.Unlock()
	}
	p.err = cmd.Wait()
	p.mu.Lock()
	p.exited = true
	p.mu.Unlock()
	close(p.reaped)
}

func (p *Process) readOutput(r *os.File, done chan<- struct{}) {
	defer close(done)
	_, _ = io.Copy(p.tail, r)
	_ = r.Close()
	p.tail.Flush()
}

// signal sends sig to the process group unless the process has exited.
func (p *Process) signal(sig os.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.exited {
		signalGroup(p.proc, sig)
	}
}

// Name returns the process's name (Config.Name).
func (p *Process) Name() string { return p.name }

// PID returns the process ID.
func (p *Process) PID() int { return p.pid }

// Stdout returns the read end of the process's stdout when Config.PipeStdout
// was set, else nil. The caller reads it and closes it; closing it early
// makes the process's next write fail (SIGPIPE).
func (p *Process) Stdout() io.ReadCloser {
	if p.stdout == nil {
		return nil
	}
	return p.stdout
}

// Done is closed when the process has exited and its output has been read.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether Done is closed.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait waits for Done and returns the exit error (nil for exit status 0, an
// *exec.ExitError otherwise), or ctx's error if ctx ends first.
func (p *Process) Wait(ctx context.Context) error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ExitText describes how the process ended ("exit status 2",
// "signal: killed"), or says that it is running.
func (p *Process) ExitText() string {
	if !p.Exited() {
		return "running"
	}
	return ExitText(p.err)
}

// ExitReason is ExitText with the name: "camera exited: exit status 2".
func (p *Process) ExitReason() string {
	if !p.Exited() {
		return p.name + " is running"
	}
	return p.name + " exited: " + p.ExitText()
}

// Tail returns the last lines of the output, each ended by "\n".
func (p *Process) Tail() string { return p.tail.String() }

// TailLines returns the last lines of the output.
func (p *Process) TailLines() []string { return p.tail.Lines() }

// Stop sends SIGTERM to the process group and waits up to grace for the
// process to exit, then sends SIGKILL to the group. It returns when the
// process has exited and its output is read: nil if it exited within grace
// (whatever its status), an error wrapping ErrKilled if it had to be
// killed. Stopping an exited process does nothing.
func (p *Process) Stop(grace time.Duration) error {
	if p.Exited() {
		return nil
	}
	p.signal(sigTerm)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.reaped:
		<-p.done
		return nil
	case <-t.C:
	}
	p.signal(sigKill)
	<-p.done
	return fmt.Errorf("%s did not stop within %s after SIGTERM: %w", p.name, grace, ErrKilled)
}

// ExitText describes the result of a wait: "exit status 0" for nil, else
// the error's text ("exit status 2", "signal: terminated", "signal: killed").
func ExitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// StateText describes a finished process's state like ExitText ("exit
// status 0", "signal: killed"); "unknown" for nil.
func StateText(ps *os.ProcessState) string {
	if ps == nil {
		return "unknown"
	}
	return ps.String()
}
