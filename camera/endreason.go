package camera

import (
	"context"
	"errors"
	"fmt"
)

// Errors that end a session.
var (
	// ErrPeerFailed means the PeerConnection failed (ICE or DTLS) or was closed by
	// the remote side.
	ErrPeerFailed = errors.New("peer connection failed")
	// ErrViewerLeft means the viewer left the room (Room/Leave).
	ErrViewerLeft = errors.New("viewer left")
	// ErrViewerRejoined means a Room/Join came for a viewer that had a session.
	ErrViewerRejoined = errors.New("viewer joined again")
	// ErrSetupTimeout means the PeerConnection was not connected within
	// Limits.SetupTimeout (no answer, or ICE never got through).
	ErrSetupTimeout = errors.New("session not connected in time")
	// ErrCandidateLimit means the viewer sent more ICE candidates, or larger
	// ones, than Limits.MaxRemoteCandidates and Limits.MaxCandidateBytes allow.
	ErrCandidateLimit = errors.New("remote candidates over the limit")
	// ErrSignalFlood means the viewer's signals waiting for its session exceeded
	// Limits.MaxQueuedSignals.
	ErrSignalFlood = errors.New("viewer's queued signals over the limit")
	// ErrRequestLimit means the viewer sent format requests faster than
	// Limits.RequestRate and Limits.RequestBurst allow.
	ErrRequestLimit = errors.New("format requests over the limit")
	// ErrSendQueueFull means the camera's signals to the viewer could not be
	// queued for the pacer (Limits.MaxOutgoingPerViewer, Limits.MaxOutgoing).
	ErrSendQueueFull = errors.New("signal queue to the viewer full")
	// ErrNegotiation means the viewer's session description could not be
	// applied, or the camera's could not be made.
	ErrNegotiation = errors.New("negotiation failed")
)

// errSignalingLost ends the sessions when the signaling connection is gone: their
// viewers come back with new participant IDs after the reconnect.
var errSignalingLost = errors.New("signaling lost")

// EndReason says why a viewer session ended: the label of
// echtzeit_camera_sessions_ended_total and of the camera's "viewer session
// ended" log line.
type EndReason int

// Reasons a session ends.
const (
	EndUnknown        EndReason = iota
	EndViewerLeft               // Room/Leave
	EndViewerRejoined           // Room/Join for a viewer with a session
	EndPeerFailed               // ICE/DTLS failed or the viewer closed its PeerConnection
	EndSignalingLost            // the camera's signaling connection is gone
	EndCameraStopped            // the camera is shutting down
	EndSetupTimeout             // ErrSetupTimeout
	EndCandidateLimit           // ErrCandidateLimit
	EndSignalFlood              // ErrSignalFlood
	EndRequestLimit             // ErrRequestLimit
	EndSendQueueFull            // ErrSendQueueFull
	EndNegotiation              // ErrNegotiation
	EndError                    // anything else (source, track, internal)
)

var endReasonNames = map[EndReason]string{
	EndUnknown: "unknown", EndViewerLeft: "viewer-left", EndViewerRejoined: "viewer-rejoined",
	EndPeerFailed: "peer-failed", EndSignalingLost: "signaling-lost", EndCameraStopped: "camera-stopped",
	EndSetupTimeout: "setup-timeout", EndCandidateLimit: "candidate-limit", EndSignalFlood: "signal-flood",
	EndRequestLimit: "request-limit", EndSendQueueFull: "send-queue-full", EndNegotiation: "negotiation-failed",
	EndError: "error",
}

func (r EndReason) String() string {
	if n, ok := endReasonNames[r]; ok {
		return n
	}
	return fmt.Sprintf("EndReason(%d)", int(r))
}

// ParseEndReason is the inverse of String.
func ParseEndReason(s string) (EndReason, error) {
	for r, n := range endReasonNames {
		if n == s {
			return r, nil
		}
	}
	return EndUnknown, fmt.Errorf("unknown session end reason %q", s)
}

// Abuse reports whether the reason is a broken bound: the viewer, not the
// network or the camera, ended the session.
func (r EndReason) Abuse() bool {
	switch r {
	case EndSetupTimeout, EndCandidateLimit, EndSignalFlood, EndRequestLimit, EndSendQueueFull, EndNegotiation:
		return true
	}
	return false
}

// endReasonOf classifies the error a session ended with.
func endReasonOf(err error) EndReason {
	for _, c := range []struct {
		err    error
		reason EndReason
	}{
		{ErrViewerLeft, EndViewerLeft}, {ErrViewerRejoined, EndViewerRejoined},
		{ErrPeerFailed, EndPeerFailed}, {errSignalingLost, EndSignalingLost},
		{ErrSetupTimeout, EndSetupTimeout}, {ErrCandidateLimit, EndCandidateLimit},
		{ErrSignalFlood, EndSignalFlood}, {ErrRequestLimit, EndRequestLimit},
		{ErrSendQueueFull, EndSendQueueFull}, {ErrNegotiation, EndNegotiation},
		{context.Canceled, EndCameraStopped},
	} {
		if errors.Is(err, c.err) {
			return c.reason
		}
	}
	if err == nil {
		return EndUnknown
	}
	return EndError
}
