package camera

import "fmt"

// State is where the camera is in its two alternating states (thesis §4.6.2):
// connected and joined, waiting for a viewer, or streaming to one or more viewers;
// plus the ways in and out of them.
type State int

// States of the camera.
const (
	StateUnknown    State = iota
	StateConnecting       // dialling the signaling server and joining the room
	StateWaiting          // in the room, no viewer streaming
	StateStreaming        // at least one viewer session
	StateBackoff          // signaling lost or refused; waiting before the next attempt
	StateStopped          // Run returned
)

var stateNames = map[State]string{
	StateUnknown: "unknown", StateConnecting: "connecting", StateWaiting: "waiting",
	StateStreaming: "streaming", StateBackoff: "backoff", StateStopped: "stopped",
}

func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// ParseState is the inverse of String.
func ParseState(s string) (State, error) {
	for st, n := range stateNames {
		if n == s {
			return st, nil
		}
	}
	return StateUnknown, fmt.Errorf("unknown camera state %q", s)
}

// Event moves the camera from one State to the next.
type Event int

// Events of the camera.
const (
	EventUnknown        Event = iota
	EventConnect              // start dialling
	EventJoined               // Joined received
	EventViewer               // a viewer session started (Room/Join, or a viewer's offer)
	EventLastViewerGone       // the last viewer session ended (Room/Leave, ICE/DTLS failure)
	EventSignalingLost        // dial or join failed, or the connection dropped
	EventStop                 // the context was cancelled
)

var eventNames = map[Event]string{
	EventUnknown: "unknown", EventConnect: "connect", EventJoined: "joined", EventViewer: "viewer",
	EventLastViewerGone: "last-viewer-gone", EventSignalingLost: "signaling-lost", EventStop: "stop",
}

func (e Event) String() string {
	if n, ok := eventNames[e]; ok {
		return n
	}
	return fmt.Sprintf("Event(%d)", int(e))
}

// Next returns the state after e, or an error for an event that cannot happen in s.
// A stream ending leads back to StateWaiting, never to a rejoin (SPEC §3).
func (s State) Next(e Event) (State, error) {
	if e == EventStop {
		return StateStopped, nil
	}
	switch {
	case e == EventConnect && (s == StateUnknown || s == StateBackoff):
		return StateConnecting, nil
	case e == EventJoined && s == StateConnecting:
		return StateWaiting, nil
	case e == EventViewer && (s == StateWaiting || s == StateStreaming):
		return StateStreaming, nil
	case e == EventLastViewerGone && s == StateStreaming:
		return StateWaiting, nil
	case e == EventSignalingLost && (s == StateConnecting || s == StateWaiting || s == StateStreaming):
		return StateBackoff, nil
	}
	return s, fmt.Errorf("camera state %s: unexpected event %s", s, e)
}
