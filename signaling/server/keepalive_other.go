//go:build !linux

package server

import (
	"syscall"
	"time"
)

// setUserTimeout does nothing outside Linux: keepalive probes still drop a
// silent peer, a stalled write waits for the keeper's write check.
func setUserTimeout(syscall.RawConn, time.Duration) error { return nil }
