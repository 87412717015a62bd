package server

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// setUserTimeout sets TCP_USER_TIMEOUT: data the peer leaves unacknowledged
// this long aborts the connection (RFC 5482), which keepalive probes alone do
// not cover while a write is outstanding.
func setUserTimeout(sc syscall.RawConn, d time.Duration) error {
	var serr error
	err := sc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, int(d.Milliseconds()))
	})
	if err != nil {
		return err
	}
	return serr
}
