// Package harness runs measurement scenarios (SPEC §5, §6): it expands a
// scenario into trials, starts the parts of each trial — the real signaling and
// camera binaries as child processes, Chromium pages through harness/browser,
// in-process signaling clients for load — waits for the first frame, samples
// the viewer's window.echtzeit.snapshot() and the processes' CPU and memory once
// a second, and writes the run folder described in harness/results as it goes.
//
// Trial kinds are compositions of a sender (camera process, remote camera,
// Chromium sender page, or load clients), a viewer (a Chromium page) and probes
// (/proc per process tree, /metrics of remote processes). A failing part fails
// only its trial: the reason and the part's last stderr lines are recorded, the
// part is restarted for the next trial, and the run goes on.
//
// Media stays on loopback: the camera gets --ice-loopback and Chromium
// --allow-loopback-in-peer-connection; `make experiment` runs the harness in a
// private network namespace that has only lo.
package harness
