// Package child starts and stops helper programs: the harness's signaling
// server and camera, the camera's rpicam-vid, and (through [Configure])
// Chromium's process as chromedp starts it.
//
// A [Process] started with [Start]
//
//   - runs in its own process group, so that Stop reaches the helpers it starts
//     itself, and on Linux gets SIGKILL from the kernel when the program that
//     started it dies (the parent-death signal). The process is started from a
//     goroutine locked to its OS thread until the process has been waited for:
//     the parent-death signal fires when the starting thread ends, and a
//     thread can end early (a goroutine that exits while locked to it, as
//     network-namespace code does, takes its thread along);
//   - keeps a bounded [Tail] of its output (the last N lines, long lines cut),
//     and hands every line to an optional callback;
//   - describes its end in one wording: "exit status 2", "signal: killed",
//     "camera exited: exit status 2";
//   - stops with [Process.Stop]: SIGTERM to the group, SIGKILL to the group
//     after the grace period. Whatever is left of the group when the process
//     itself has exited is killed, and no signal ever reaches a process ID
//     that the kernel has already handed to someone else (on Linux the exit
//     is observed without reaping, the group is signalled, then the process
//     is reaped).
//
// Config has hooks for what starts the process elsewhere or constrains it:
// a command prefix (e.g. "ip netns exec NAME"), a func that adjusts the
// *exec.Cmd before the start, and a func that runs with the PID right after
// the start (e.g. to move the process into a cgroup).
//
// Off Linux there is no parent-death signal and no process group: Stop asks
// the process alone to stop (or kills it where SIGTERM does not exist).
package child
