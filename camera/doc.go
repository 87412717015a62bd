// Package camera is the camera program of echtzeit (SPEC §3, thesis §4.6): it joins
// a fixed room on the signaling server and streams video over WebRTC (pion/webrtc)
// to each viewer that joins the room, then waits for the next viewer.
//
// Camera.Run alternates the thesis's two states (§4.6.2): connect and join the
// room, then stream while a viewer is there (State, Event). Each viewer gets a
// session: one PeerConnection, one TrackLocalStaticSample (it packetises with the
// payload type negotiated with this viewer, so H.264 works whichever side offers).
// The camera's candidates travel inside its offer or answer when ICE gathering
// completes within a short window, and trickle otherwise; the viewer's candidates
// are queued until the remote description is set. The participant that was in the room
// first offers (§4.4.2): on Room/Join the camera offers; when the viewer was first,
// its request or offer opens the session and the camera answers. Every offer and
// answer carries VP8 and H.264, so a viewer's request signal can change the codec
// of a running session by swapping the track; size and frame rate change by
// restarting the source. The source starts when the PeerConnection is connected, so
// the first frame a viewer gets is a key frame; RTCP PLI/FIR ask for more.
// A session ends on Room/Leave or ICE/DTLS failure; the camera stays in its room.
// When the signaling connection is lost, all sessions end and the camera reconnects
// with exponential backoff and jitter (Backoff); it never gives up on network faults.
//
// One room member must not be able to push the camera off its room (issue #14,
// DESIGN.md "Hostile peers"): a pacer sends all the camera's signals under the
// server's rate limit; the registry (registry.go, admission.go) paces session starts
// and puts off viewers that churn; each session ends when it breaks one of its
// Limits (setup deadline, candidates, queued signals, format requests) with an
// EndReason that is logged and counted. Logs carry keyed hashes of room and
// participant IDs, never the IDs.
//
// Files: camera.go (Run, the connection), registry.go (sessions of a connection),
// session.go (one viewer's event loop), negotiation.go (offer, answer, candidates),
// stream.go (source → track, format requests), pacer.go, admission.go, limits.go.
// Adaptation to the link (DESIGN.md "The camera adapts"): bwe.go (bandwidth
// estimation, RTX, retransmission counts), rtppacer.go (the RTP pacer),
// adapt.go, pushback.go and degrade.go (the policy), session_adapt.go (the
// session's part).
//
// Sources are either raw (RawSource: the synthetic pattern of camera/synthetic,
// V4L2 cameras of camera/v4l2), encoded in software by camera/softenc (cgo only),
// or already encoded (EncodedSource: the pass-through sources of camera/passthrough).
// Metrics holds the Prometheus metrics of DESIGN.md on its own registry.
package camera
