package passthrough

import (
	"os"
	"syscall"
)

// childSysProcAttr puts the child in its own process group (so helpers it
// starts are stopped with it) and has the kernel kill it when the camera
// dies (PR_SET_PDEATHSIG), as chromedp does for Chromium.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// terminateChild asks the child's process group to stop.
func terminateChild(p *os.Process) error {
	if p == nil {
		return nil
	}
	if err := syscall.Kill(-p.Pid, syscall.SIGTERM); err != nil {
		return p.Signal(syscall.SIGTERM)
	}
	return nil
}

// killGroup kills what is left of the child's process group after the child
// has been waited for.
func killGroup(p *os.Process) {
	if p != nil {
		_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	}
}
