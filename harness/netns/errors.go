package netns

import "errors"

// Errors of this package.
var (
	// ErrUnsupported is returned off Linux.
	ErrUnsupported = errors.New("network namespaces need Linux")
	// ErrName is returned for a namespace name that is not one of ours or not
	// a valid file name.
	ErrName = errors.New("bad namespace name")
)
