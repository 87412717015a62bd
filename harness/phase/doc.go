// Package phase names the setup phases of a media session (SPEC §5: WebSocket
// open, Hello, Joined, offer, answer, ICE connected, first frame) once, in
// the order they happen. The viewer page's snapshot (harness/browser), the
// trial record (harness/results) and the report (reports) all use this list;
// the page's own list (interface/static/app.js, PHASES) is checked against it
// by a test in package webui.
package phase
