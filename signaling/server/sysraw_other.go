//go:build !linux

package server

import "syscall"

// rawRead and rawWrite are read(2) and write(2) on a non-blocking socket; on
// Linux without the runtime's syscall bookkeeping (sysraw_linux.go).
func rawRead(fd int, p []byte) (int, error) { return syscall.Read(fd, p) }

func rawWrite(fd int, p []byte) (int, error) { return syscall.Write(fd, p) }
