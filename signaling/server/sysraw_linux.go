package server

import (
	"syscall"
	"unsafe"
)

// rawRead and rawWrite are read(2) and write(2) on a non-blocking socket
// without the runtime's syscall bookkeeping (syscall.RawSyscall, not
// syscall.Syscall). Entering a syscall the ordinary way wakes sysmon when it
// sleeps because every P is idle (Go 1.26, runtime.reentersyscall), and sysmon
// then polls in 20 µs steps until the runtime is idle again: at 50 signals a
// second that was a sixth of the server's CPU (DESIGN.md, "The thesis's 50
// users"). These calls cannot block (the socket is non-blocking: EAGAIN), so
// the P needs no hand-off while they run.
func rawRead(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, errno := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func rawWrite(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
