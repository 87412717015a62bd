package camera

import (
	"errors"
	"fmt"
	"time"
)

// Limits bound what one room member can make the camera hold, do or send
// (issue #14): a member's misbehaviour costs that member, not the camera. The
// camera runs unattended for months and anyone who knows the room ID is a
// member, so every piece of state a viewer can make the camera keep has a bound,
// and a session over a bound ends with a logged reason and a count in
// echtzeit_camera_sessions_ended_total{reason}. Zero fields take the values of
// DefaultLimits.
type Limits struct {
	// MaxSessions is the number of viewer sessions at once; a viewer beyond it
	// gets the signal {"error":{"code":"camera-busy"}}.
	MaxSessions int
	// StartRate and StartBurst pace session starts camera-wide (starts per
	// second): each start costs a PeerConnection, ICE gathering and an offer.
	StartRate  float64
	StartBurst int
	// ViewerBackoffMin and ViewerBackoffMax: a viewer whose session ended before
	// it was connected (it left, joined again, failed or broke a bound) waits
	// before its next session, from Min doubling to Max. A session that was
	// connected resets it.
	ViewerBackoffMin, ViewerBackoffMax time.Duration
	// SetupTimeout is the time from a session's start to a connected
	// PeerConnection; a viewer that never answers or never connects is dropped.
	SetupTimeout time.Duration
	// MaxRemoteCandidates and MaxCandidateBytes bound the ICE candidates one
	// viewer may send in a session (queued before the remote description, or
	// handed to ICE after it), by count and by the bytes of their fields.
	MaxRemoteCandidates int
	MaxCandidateBytes   int
	// MaxQueuedSignals is the number of a viewer's signals that may wait for its
	// session (in its mailbox, or while its start is delayed).
	MaxQueuedSignals int
	// RequestRate and RequestBurst bound a viewer's format requests (per
	// second): each accepted one restarts the encoder.
	RequestRate  float64
	RequestBurst int
	// SignalRate and SignalBurst pace everything the camera signals, camera-wide,
	// under the server's per-connection limit (DESIGN.md: 50 messages/s, burst
	// 100), so that no viewer can make the camera exceed it and get closed.
	SignalRate  float64
	SignalBurst int
	// MaxOutgoing and MaxOutgoingPerViewer bound the signals waiting for the
	// pacer, in all and per viewer; a session whose own queue is full ends.
	MaxOutgoing          int
	MaxOutgoingPerViewer int
	// GatherWindow is how long the camera waits for its ICE candidates before it
	// sends an offer or answer: candidates gathered by then travel inside the
	// SDP (one message instead of one per candidate); later ones trickle.
	GatherWindow time.Duration
}

// DefaultLimits are the limits of a Camera whose Config leaves them zero.
func DefaultLimits() Limits {
	return Limits{
		MaxSessions:          8,
		StartRate:            5,
		StartBurst:           10,
		ViewerBackoffMin:     time.Second,
		ViewerBackoffMax:     30 * time.Second,
		SetupTimeout:         20 * time.Second,
		MaxRemoteCandidates:  64,
		MaxCandidateBytes:    32 << 10,
		MaxQueuedSignals:     64,
		RequestRate:          1,
		RequestBurst:         5,
		SignalRate:           25,
		SignalBurst:          50,
		MaxOutgoing:          256,
		MaxOutgoingPerViewer: 32,
		GatherWindow:         200 * time.Millisecond,
	}
}

// withDefaults fills the zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	setInt := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	setFloat := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	setDur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	setInt(&l.MaxSessions, d.MaxSessions)
	setFloat(&l.StartRate, d.StartRate)
	setInt(&l.StartBurst, d.StartBurst)
	setDur(&l.ViewerBackoffMin, d.ViewerBackoffMin)
	setDur(&l.ViewerBackoffMax, d.ViewerBackoffMax)
	setDur(&l.SetupTimeout, d.SetupTimeout)
	setInt(&l.MaxRemoteCandidates, d.MaxRemoteCandidates)
	setInt(&l.MaxCandidateBytes, d.MaxCandidateBytes)
	setInt(&l.MaxQueuedSignals, d.MaxQueuedSignals)
	setFloat(&l.RequestRate, d.RequestRate)
	setInt(&l.RequestBurst, d.RequestBurst)
	setFloat(&l.SignalRate, d.SignalRate)
	setInt(&l.SignalBurst, d.SignalBurst)
	setInt(&l.MaxOutgoing, d.MaxOutgoing)
	setInt(&l.MaxOutgoingPerViewer, d.MaxOutgoingPerViewer)
	setDur(&l.GatherWindow, d.GatherWindow)
	return l
}

// Validate checks the limits after defaults; messages name the field.
func (l Limits) Validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    int
	}{
		{"MaxSessions", l.MaxSessions}, {"StartBurst", l.StartBurst},
		{"MaxRemoteCandidates", l.MaxRemoteCandidates}, {"MaxCandidateBytes", l.MaxCandidateBytes},
		{"MaxQueuedSignals", l.MaxQueuedSignals}, {"RequestBurst", l.RequestBurst},
		{"SignalBurst", l.SignalBurst}, {"MaxOutgoing", l.MaxOutgoing},
		{"MaxOutgoingPerViewer", l.MaxOutgoingPerViewer},
	} {
		if f.v < 1 {
			errs = append(errs, fmt.Errorf("'limits.%s' must be at least 1, got %d", f.name, f.v))
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"StartRate", l.StartRate}, {"RequestRate", l.RequestRate}, {"SignalRate", l.SignalRate}} {
		if f.v <= 0 {
			errs = append(errs, fmt.Errorf("'limits.%s' must be greater than zero, got %v", f.name, f.v))
		}
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{
		{"ViewerBackoffMin", l.ViewerBackoffMin}, {"ViewerBackoffMax", l.ViewerBackoffMax},
		{"SetupTimeout", l.SetupTimeout}, {"GatherWindow", l.GatherWindow},
	} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("'limits.%s' must not be negative, got %v", f.name, f.v))
		}
	}
	if l.ViewerBackoffMax < l.ViewerBackoffMin {
		errs = append(errs, fmt.Errorf("'limits.ViewerBackoffMax' (%v) must not be below 'limits.ViewerBackoffMin' (%v)", l.ViewerBackoffMax, l.ViewerBackoffMin))
	}
	if l.MaxOutgoingPerViewer > l.MaxOutgoing {
		errs = append(errs, fmt.Errorf("'limits.MaxOutgoingPerViewer' (%d) must not be above 'limits.MaxOutgoing' (%d)", l.MaxOutgoingPerViewer, l.MaxOutgoing))
	}
	return errors.Join(errs...)
}
