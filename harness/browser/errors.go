package browser

import "errors"

// Errors of this package.
var (
	// ErrNoChromium means the Chromium binary does not exist or is not
	// executable. Tests skip on it unless ECHTZEIT_REQUIRE_BROWSER is set.
	ErrNoChromium = errors.New("chromium not found")
	// ErrClosed is returned by the methods of a closed Browser.
	ErrClosed = errors.New("browser closed")
	// ErrTimeout is wrapped by WaitFor when the condition did not become
	// true before the deadline.
	ErrTimeout = errors.New("condition not met before the deadline")
)
