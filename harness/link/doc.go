// Package link models one access link of an emulated network, per direction:
// random or bursty (Gilbert–Elliott) loss, a drop-tail queue, a rate limit
// (token bucket, or a Mahimahi trace of delivery opportunities), then a
// one-way delay with jitter. A schedule changes any of these at given times.
//
// The model is pure: a [Pipe] is told the time with every call (a
// time.Duration on the link's own clock), so tests drive it on a fake clock
// and the forwarder drives it with the monotonic clock. Randomness comes from
// the profile's seed, so the same packets at the same times meet the same
// fate.
//
// A packet's path through one direction:
//
//	Send ─▶ loss (Bernoulli or Gilbert–Elliott) ─▶ drop-tail queue (packets or ms)
//	     ─▶ rate limit (token bucket of one MTU, or trace opportunities of 1500 B)
//	     ─▶ delay + jitter (no reordering unless asked) ─▶ Receive
//
// Profiles are written in YAML (a scenario's "networks:" or a file given to
// "harness link --network"), resolved into per-direction [Params] by
// [Resolve]; the built-in ones (lan, wifi, cable, 4g, 3g, 2g, lossy, step)
// come from [Builtin]. "up" is the direction from the side towards the core,
// "down" the direction towards the side.
package link
