package cgroup

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Controller is the place where this package creates CPU-limited groups: a
// directory of the hierarchy that has the cpu controller.
type Controller struct {
	version Version
	dir     string // groups are created as dir/NAME
}

// Version is the hierarchy's version.
func (c *Controller) Version() Version { return c.version }

// Dir is the directory the groups are created in.
func (c *Controller) Dir() string { return c.dir }

// String describes the controller, e.g. "cgroup v1 at /sys/fs/cgroup/cpu".
func (c *Controller) String() string { return fmt.Sprintf("cgroup %s at %s", c.version, c.dir) }

// Detect finds the cpu controller from /proc/self/mountinfo: a v1 hierarchy
// mounted with the cpu option wins (in a hybrid setup the controller can only
// be in one place), else the v2 hierarchy when its cgroup.controllers lists cpu.
// Groups are created at the hierarchy's root: under v2 that is the only place
// a process that is not in a delegated subtree may use; NewController takes
// any other directory.
func Detect() (*Controller, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoController, err)
	}
	defer f.Close()
	v1, v2, err := parseMountinfo(f)
	if err != nil {
		return nil, err
	}
	if v1 != "" {
		return NewController(V1, v1)
	}
	if v2 != "" {
		b, err := os.ReadFile(filepath.Join(v2, "cgroup.controllers"))
		if err == nil && slices.Contains(strings.Fields(string(b)), "cpu") {
			return NewController(V2, v2)
		}
		return nil, fmt.Errorf("%w: the cgroup v2 hierarchy at %s does not offer the cpu controller", ErrNoController, v2)
	}
	return nil, fmt.Errorf("%w: neither a v1 cpu hierarchy nor cgroup2 is mounted", ErrNoController)
}

// NewController uses dir of a hierarchy of version v. Under v2 the cpu
// controller is enabled for dir's children (cgroup.subtree_control) if it is
// not yet.
func NewController(v Version, dir string) (*Controller, error) {
	if v != V1 && v != V2 {
		return nil, fmt.Errorf("%w: version %s", ErrNoController, v)
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a directory", ErrNoController, dir)
	}
	if v == V2 {
		b, err := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoController, err)
		}
		if !slices.Contains(strings.Fields(string(b)), "cpu") {
			if err := os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+cpu"), 0); err != nil {
				return nil, fmt.Errorf("%w: enable cpu in %s: %w", ErrPermission, dir, err)
			}
		}
	}
	return &Controller{version: v, dir: dir}, nil
}

// parseMountinfo returns the mount points of the v1 hierarchy that has the cpu
// controller and of the v2 hierarchy (proc(5) mountinfo: the fields after " - "
// are the file system type, the source and the super options).
func parseMountinfo(r io.Reader) (v1, v2 string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		pf, qf := strings.Fields(pre), strings.Fields(post)
		if len(pf) < 5 || len(qf) < 3 {
			continue
		}
		mount := unescapeMount(pf[4])
		switch qf[0] {
		case "cgroup":
			if v1 == "" && slices.Contains(strings.Split(qf[2], ","), "cpu") {
				v1 = mount
			}
		case "cgroup2":
			if v2 == "" {
				v2 = mount
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", "", fmt.Errorf("read mountinfo: %w", err)
	}
	return v1, v2, nil
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			var v int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &v); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
