//go:build !linux

package child

import (
	"os"
	"os/exec"
	"syscall"
)

var (
	sigTerm os.Signal = syscall.SIGTERM
	sigKill os.Signal = os.Kill
)

// Configure does nothing here: no parent-death signal and no process group
// off Linux.
func Configure(*exec.Cmd) {}

// signalGroup sends sig to p alone; where SIGTERM cannot be sent (Windows)
// it kills p.
func signalGroup(p *os.Process, sig os.Signal) {
	if err := p.Signal(sig); err != nil && sig != os.Kill {
		_ = p.Kill()
	}
}

// waitExited cannot wait without reaping here; the process is reaped by
// cmd.Wait alone.
func waitExited(int) bool { return false }
