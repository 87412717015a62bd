// Package forwarder moves IP packets between pairs of TUN devices through
// link models (package link), in user space, as Mahimahi does: for each
// access link one TUN device sits in the side's network namespace and one in
// the core's; what the side sends goes through the link's "up" pipe into the
// core, what the core routes to the side goes through the "down" pipe.
//
// It runs as a process of its own ("harness link-forward", started by package
// network), so its CPU is measured like any other part's. [Serve] is that
// process's body: it reads a [Config] as one JSON object from its input,
// opens the TUN devices, writes a ready line, then a [Report] per interval,
// and obeys one-line commands ("start-schedule") until its input ends.
//
// Each direction has one goroutine that owns its pipe (reads arrive on a
// channel from the device's reader goroutine, the pipe says when the next
// packet is due, a timer wakes the goroutine then). The pipe computes every
// departure and delivery time exactly on the link's clock, so a late wake-up
// delays packets but never loses capacity.
package forwarder
