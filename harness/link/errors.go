package link

import "errors"

// Errors of this package.
var (
	// ErrTrace wraps every error of ParseTrace: a line that is not a
	// millisecond timestamp, timestamps that go backwards, an empty trace.
	ErrTrace = errors.New("link trace")
	// ErrProfile wraps every error of ParseSpec and Resolve: unknown keys,
	// values out of range, a schedule out of order.
	ErrProfile = errors.New("network profile")
	// ErrUnknownProfile is returned by Builtin for a name it does not know.
	ErrUnknownProfile = errors.New("unknown network profile")
)
