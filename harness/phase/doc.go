// Package phase names the setup phases of a media session (SPEC §5: WebSocket
// open, Hello, Joined, offer, answer, ICE connected, first frame; and the
// page loaded, DTLS connected) once, in the order they happen, and the parts
// of the setup they bound (Segments: page load, signaling, ICE + DTLS, first
// frame). The viewer page's snapshot (harness/browser), the
// trial record (harness/results) and the report (reports) all use this list;
// the page's own list (interface/static/app.js, PHASES) is checked against it
// by a test in package webui.
package phase
