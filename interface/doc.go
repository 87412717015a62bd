// Package webui is the browser interface of echtzeit (thesis §4.5, SPEC §4):
// plain HTML, CSS and ES modules, embedded with go:embed and served by the
// signaling server at "/".
//
// The page connects to wss://<same host>/ws, joins a room by its 64-hex ID,
// negotiates a WebRTC peer connection through the server's Room/Signal
// relay and shows the remote video. It exposes window.echtzeit (see
// DESIGN.md) so the harness and the tests can read its state, setup phases,
// getStats counters and the synthetic frame code.
package webui
