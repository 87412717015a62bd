package netns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Dir is where "ip netns" keeps the names of namespaces.
const Dir = "/run/netns"

// NamePrefix starts the name of every namespace this package makes.
const NamePrefix = "ezl-"

// Namespace is a named network namespace.
type Namespace struct {
	Name string
}

// Path is the namespace's file, for Do, Dial and OpenTUN.
func (n *Namespace) Path() string { return filepath.Join(Dir, n.Name) }

// Prefix is the command prefix that starts a program inside the namespace:
// "ip netns exec NAME". ip enters the namespace and executes the program in
// its own place, so the process ID is the program's.
func (n *Namespace) Prefix() []string { return []string{"ip", "netns", "exec", n.Name} }

// IP runs "ip -n NAME args..." (ip's commands inside the namespace).
func (n *Namespace) IP(ctx context.Context, args ...string) error {
	return runIP(ctx, append([]string{"-n", n.Name}, args...)...)
}

// Create makes the namespace name ("ip netns add") with its loopback up.
func Create(ctx context.Context, name string) (*Namespace, error) {
	if name == "" || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return nil, fmt.Errorf("%w: %q", ErrName, name)
	}
	if err := runIP(ctx, "netns", "add", name); err != nil {
		return nil, err
	}
	n := &Namespace{Name: name}
	if err := n.IP(ctx, "link", "set", "lo", "up"); err != nil {
		return nil, errors.Join(err, n.Delete(context.WithoutCancel(ctx)))
	}
	return n, nil
}

// Delete removes the namespace's name ("ip netns del"). The namespace itself
// goes when nothing uses it any more: stop its processes and close its TUN
// devices first.
func (n *Namespace) Delete(ctx context.Context) error {
	return runIP(ctx, "netns", "del", n.Name)
}

func runIP(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "ip", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

// Owner identifies a process across the reuse of process IDs.
type Owner struct {
	PID int
	// Start is the process's start time in clock ticks since boot.
	Start uint64
}

// Self returns this process's Owner.
func Self() (Owner, error) {
	pid := os.Getpid()
	st, err := startTime(pid)
	if err != nil {
		return Owner{}, err
	}
	return Owner{PID: pid, Start: st}, nil
}

// Name returns the namespace name "ezl-<pid>-<start>-<rest>".
func (o Owner) Name(rest string) string {
	return fmt.Sprintf("%s%d-%d-%s", NamePrefix, o.PID, o.Start, rest)
}

// Alive reports whether the owner process still runs.
func (o Owner) Alive() bool {
	st, err := startTime(o.PID)
	return err == nil && st == o.Start
}

// ParseName splits a name made by Owner.Name; ok is false for other names.
func ParseName(name string) (o Owner, rest string, ok bool) {
	s, found := strings.CutPrefix(name, NamePrefix)
	if !found {
		return Owner{}, "", false
	}
	parts := strings.SplitN(s, "-", 3)
	if len(parts) != 3 || parts[2] == "" {
		return Owner{}, "", false
	}
	pid, err1 := strconv.Atoi(parts[0])
	start, err2 := strconv.ParseUint(parts[1], 10, 64)
	if err1 != nil || err2 != nil || pid <= 0 {
		return Owner{}, "", false
	}
	return Owner{PID: pid, Start: start}, parts[2], true
}

// startTime reads field 22 of /proc/PID/stat.
func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no ')'", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// List returns the names of this package's namespaces that exist now.
func List() ([]string, error) {
	entries, err := os.ReadDir(Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", Dir, err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), NamePrefix) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// Sweep removes the namespaces whose owner no longer runs (and names with
// the prefix that carry no owner), and returns their names.
func Sweep(ctx context.Context) ([]string, error) {
	names, err := List()
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, name := range names {
		if o, _, ok := ParseName(name); ok && o.Alive() {
			continue
		}
		if err := (&Namespace{Name: name}).Delete(ctx); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, name)
	}
	return removed, errors.Join(errs...)
}
