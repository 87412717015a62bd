package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"echtzeit/harness/forwarder"
	"echtzeit/harness/link"
	"echtzeit/harness/network"
)

// Environment of the commands "harness link" runs.
const (
	envPeer = "ECHTZEIT_PEER" // the other side's address
	envSide = "ECHTZEIT_SIDE" // "left" or "right"
)

// linkCmdStopGrace is how long a side's command gets between SIGTERM and
// SIGKILL when the link is torn down early.
const linkCmdStopGrace = 3 * time.Second

func linkCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("link", `link --network NAME (--check | --left CMD --right CMD)

Builds the emulated network of a trial: a left and a right network namespace,
each reaching a core namespace through its own access link. The left access
link follows the profile NAME (built in: `+strings.Join(link.BuiltinNames(), ", ")+`,
or a YAML file with one profile); the right one is unshaped (--right-network).
Needs root. Everything is removed when the command ends, also on Ctrl-C.

  --check          sends UDP probes through both directions of the left link
                   and prints configured vs measured rate, one-way delay and
                   loss, and the forwarder's CPU; fails when a figure is
                   outside its tolerance (rate 5 %, delay 2 ms, loss 1 pp).
                   The profile's schedule is held at its start.
  --left/--right   run each command with "sh -c" inside its side, as root,
                   with ECHTZEIT_PEER set to the other side's address and
                   ECHTZEIT_SIDE to left or right; returns when both exited.

Flags:`, stderr)
	name := fs.String("network", "", "profile of the left access link: a built-in name or a YAML file")
	rightName := fs.String("right-network", "lan", "profile of the right access link")
	check := fs.Bool("check", false, "measure the left link with UDP probes instead of running commands")
	left := fs.String("left", "", "command to run in the left namespace (sh -c)")
	right := fs.String("right", "", "command to run in the right namespace (sh -c)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		fs.Usage()
		return fmt.Errorf("link takes no arguments besides its flags (got %q)", pos)
	case *name == "":
		fs.Usage()
		return errors.New("link needs --network NAME")
	case *check && (*left != "" || *right != ""):
		return errors.New("--check runs its own probes: give either --check or --left and --right")
	case !*check && (*left == "" || *right == ""):
		fs.Usage()
		return errors.New("link needs --check, or both --left CMD and --right CMD")
	case os.Geteuid() != 0:
		return errors.New("link needs root (network namespaces, TUN devices)")
	}
	lp, err := link.Load(*name)
	if err != nil {
		return err
	}
	rp, err := link.Load(*rightName)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if removed, err := network.Sweep(ctx); err != nil {
		fmt.Fprintf(stderr, "link: removing stale namespaces: %v\n", err)
	} else if len(removed) > 0 {
		fmt.Fprintf(stderr, "link: removed %d namespaces of harness processes that no longer run\n", len(removed))
	}
	topo, err := network.Build(ctx, network.Config{
		Name:         "link",
		Sides:        []network.SideConfig{{Name: "left", Profile: lp}, {Name: "right", Profile: rp}},
		HoldSchedule: *check,
	})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := topo.Close(); cerr != nil {
			fmt.Fprintf(stderr, "link: tear down: %v\n", cerr)
		}
	}()
	if *check {
		return linkCheck(ctx, topo, lp, stdout, stderr)
	}
	l, r := topo.Side("left"), topo.Side("right")
	fmt.Fprintf(stderr, "link: left %s (%s) ⇄ core ⇄ right %s (%s)\n", l.Addr, lp.Name, r.Addr, rp.Name)
	return runSides(ctx, []sideCmd{
		{side: l, peer: r, cmd: *left, stdout: stdout, stderr: stderr},
		{side: r, peer: l, cmd: *right, stdout: stdout, stderr: stderr},
	})
}

func linkCheck(ctx context.Context, topo *network.Topology, p *link.Profile, stdout, stderr io.Writer) error {
	sched := "none: an unshaped link is a veth pair"
	if f := topo.Forwarder(); f != nil {
		sched = f.Scheduling()
	}
	fmt.Fprintf(stdout, "network %s: up %s; down %s (seed %d; forwarder %s)\n", p.Name, p.Up, p.Down, p.Seed, sched)
	if len(p.Schedule) > 0 {
		fmt.Fprintf(stdout, "(its schedule of %d changes is held: the settings at its start are checked)\n", len(p.Schedule))
	}
	rep, err := network.Check(ctx, topo, network.CheckOptions{
		Progress: func(s string) { fmt.Fprintln(stderr, "link:", s) },
	})
	if err != nil {
		return err
	}
	if err := rep.Format(stdout); err != nil {
		return err
	}
	if !rep.OK() {
		return fmt.Errorf("network %s: a measured figure is outside its tolerance", p.Name)
	}
	return nil
}

// sideCmd is the command of one side of "harness link".
type sideCmd struct {
	side, peer     *network.Side
	cmd            string
	stdout, stderr io.Writer
}

// runSides runs every side's command and waits for all of them; when ctx
// ends first they get SIGTERM, then SIGKILL.
func runSides(ctx context.Context, sides []sideCmd) error {
	errs := make([]error, len(sides))
	var wg sync.WaitGroup
	var mu sync.Mutex // the sides may share writers that are not files
	for i := range sides {
		sides[i].stdout, sides[i].stderr = shared(sides[i].stdout, &mu), shared(sides[i].stderr, &mu)
	}
	for i, s := range sides {
		argv := append(s.side.NS.Prefix(), "sh", "-c", s.cmd)
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), envPeer+"="+s.peer.Addr.String(), envSide+"="+s.side.Name)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, s.stdout, s.stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
		if err := cmd.Start(); err != nil {
			errs[i] = fmt.Errorf("%s command: %w", s.side.Name, err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-ctx.Done():
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
				select {
				case err = <-done:
				case <-time.After(linkCmdStopGrace):
					_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
					err = <-done
				}
			}
			if err != nil {
				errs[i] = fmt.Errorf("%s command: %w", s.side.Name, err)
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return errors.Join(append([]error{errors.New("interrupted")}, errs...)...)
	}
	return errors.Join(errs...)
}

// shared returns w as it is when it is a file (the commands write to it
// directly), else w behind the lock mu.
func shared(w io.Writer, mu *sync.Mutex) io.Writer {
	if f, ok := w.(*os.File); ok {
		return f
	}
	return lockedWriter{w: w, mu: mu}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// linkForwardCmd is the forwarder process that package network starts
// ("harness link-forward"): it reads its configuration from stdin and
// reports on stdout (package forwarder). Not for people; not in the usage.
func linkForwardCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return errors.New("link-forward takes no arguments (it reads its configuration from stdin)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return forwarder.Serve(ctx, os.Stdin, stdout, os.Getpid())
}
