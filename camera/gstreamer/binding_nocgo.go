//go:build !cgo || nogst

package gstreamer

// Compiled reports whether this build has the GStreamer binding.
const Compiled = false

// Init fails: this build has no GStreamer binding.
func Init() error { return ErrNotCompiled }

// Version is empty without the binding.
func Version() string { return "" }

func newPeer(string, []string, func(any)) (peer, error) { return nil, ErrNotCompiled }
