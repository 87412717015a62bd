package child

import (
	"errors"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

var (
	sigTerm os.Signal = syscall.SIGTERM
	sigKill os.Signal = syscall.SIGKILL
)

// Configure puts cmd's process into its own process group and has the
// kernel send it SIGKILL when the thread that starts it ends
// (PR_SET_PDEATHSIG). Start does this itself; Configure is for commands
// that others start (chromedp's ModifyCmdFunc). The starting thread must
// live as long as the process (see the package documentation).
func Configure(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

// signalGroup sends sig to p's process group, or to p alone when it has no
// group of its own.
func signalGroup(p *os.Process, sig os.Signal) {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return
	}
	if err := syscall.Kill(-p.Pid, s); err != nil {
		_ = p.Signal(sig)
	}
}

// waitExited blocks until process pid has exited without reaping it
// (waitid WNOWAIT), so that its process ID, and that of its group, stay
// reserved until cmd.Wait. It reports false when that cannot be observed.
func waitExited(pid int) bool {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			return err == nil
		}
	}
}
