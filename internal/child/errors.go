package child

import "errors"

// Errors of this package.
var (
	// ErrKilled is returned by Stop when the process did not exit within the
	// grace period after SIGTERM and was killed.
	ErrKilled = errors.New("killed")
	// ErrNoPath is returned by Start for a Config without Path.
	ErrNoPath = errors.New("no program to start")
)
