package harness

import "errors"

// Errors of this package.
var (
	// ErrNoBinary means a binary the scenario needs (signaling, camera) was not
	// found.
	ErrNoBinary = errors.New("binary not found")
	// ErrInterrupted is the failure reason of a trial stopped by Ctrl-C.
	ErrInterrupted = errors.New("interrupted")
)

// partError is a trial failure caused by one part (camera, browser,
// signaling): its reason and the part's last output lines.
type partError struct {
	part   string
	reason string
	tail   string
}

func (e *partError) Error() string { return e.reason }
