// Package netns creates and removes named Linux network namespaces (the
// ones "ip netns" lists), runs code inside one, and opens TUN devices and
// sockets there.
//
// A socket or TUN device belongs to the namespace of the thread that created
// it, and keeps working from any goroutine afterwards. [Do] runs a function
// on a thread moved into a namespace and moves the thread back; [Dial],
// [Listen], [ListenPacket] and [OpenTUN] use it. Processes start in a
// namespace through the command prefix "ip netns exec NAME" ([Namespace.Prefix]).
//
// Names carry their owner: "ezl-<pid>-<start>-<rest>", the process ID and
// its start time (clock ticks since boot, /proc/PID/stat), so [Sweep] can
// remove the namespaces of harness processes that died without cleaning up
// (SIGKILL, a crash) while it leaves those of running ones alone, even when a
// process ID is used again.
//
// Everything here needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and Linux.
package netns
