package harness

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"echtzeit/harness/browser"
	"echtzeit/harness/results"
)

// environment describes this machine and the software of the run.
func (r *runner) environment(ctx context.Context, start time.Time) results.Environment {
	env := results.Environment{
		Scenario:     r.sc.Name,
		ScenarioFile: r.cfg.ScenarioPath,
		StartTime:    start,
		Cores:        runtime.NumCPU(),
		OS:           runtime.GOOS,
		Arch:         runtime.GOARCH,
		GoVersion:    runtime.Version(),
		Remote:       r.sc.Camera.Remote,
		SignalingURL: r.sc.Signaling.URL,
		Binaries:     map[string]string{},
	}
	env.Hostname, _ = os.Hostname()
	env.CPUModel = cpuModel()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		env.Kernel = strings.TrimSpace(string(b))
	}
	env.MemTotalBytes = memTotal()
	if r.sc.Camera.Remote {
		env.CameraMetricsURL = r.sc.Camera.MetricsURL
	}
	env.ChromiumVersion = chromiumVersion(ctx)
	env.GitCommit, env.GitDirty = gitCommit(ctx)
	for _, name := range []string{"signaling", "camera"} {
		if p, err := findBinary(r.cfg.BinDir, name); err == nil {
			env.Binaries[name] = p
		}
	}
	if exe, err := os.Executable(); err == nil {
		env.Binaries["harness"] = exe
	}
	if ifs := nonLoopbackUp(); len(ifs) > 0 && !r.sc.Camera.Remote {
		env.Warnings = append(env.Warnings, "not in a private network namespace: interfaces "+strings.Join(ifs, ", ")+
			" are up; the camera and Chromium are limited to loopback candidates where they can be, but `make experiment` (unshare -n) is the safe way")
	}
	return env
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

func chromiumVersion(ctx context.Context) string {
	path, err := browser.ExecPath()
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// gitCommit returns the commit the harness was built from (Go's build info),
// else that of the working directory's repository.
func gitCommit(ctx context.Context) (string, bool) {
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev string
		var dirty bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			return rev, dirty
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "", false
	}
	st, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output()
	return strings.TrimSpace(string(out)), err == nil && len(strings.TrimSpace(string(st))) > 0
}

// nonLoopbackUp lists the interfaces other than loopback that are up.
func nonLoopbackUp() []string {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []string
	for _, i := range ifs {
		if i.Flags&net.FlagUp != 0 && i.Flags&net.FlagLoopback == 0 {
			out = append(out, i.Name)
		}
	}
	return out
}
