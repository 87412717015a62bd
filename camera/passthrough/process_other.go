//go:build !linux

package passthrough

import (
	"os"
	"syscall"
)

// childSysProcAttr: no process groups or parent-death signal off Linux.
func childSysProcAttr() *syscall.SysProcAttr { return nil }

// terminateChild kills the child (no SIGTERM on every platform).
func terminateChild(p *os.Process) error {
	if p == nil {
		return nil
	}
	return p.Kill()
}

func killGroup(*os.Process) {}
