//go:build !linux

package client

import "syscall"

// bindNoPort does nothing outside Linux: the port is chosen at bind time.
func bindNoPort(_, _ string, _ syscall.RawConn) error { return nil }
