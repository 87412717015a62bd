// Package stats holds the small statistics the harness and the reports share:
// percentiles, means and summaries of a series, rates from monotonically
// increasing counters (frames per second from the receiver's framesDecoded,
// bit rate from bytesReceived). CPU % from /proc clock ticks is computed where
// /proc is read, in echtzeit/harness/probe.
//
// Conventions:
//
//   - Percentiles use linear interpolation between closest ranks, Hyndman and
//     Fan's definition 7 (the default of R's quantile, NumPy's percentile and
//     spreadsheets' PERCENTILE.INC): for n sorted values x[0..n-1] the p-th
//     percentile is at rank h = (n-1)·p/100, interpolated between x[⌊h⌋] and
//     x[⌈h⌉]. The 0th and 100th percentiles are the minimum and maximum.
//   - Counters may reset (a new WebRTC session starts its statistics again at
//     zero): an interval over which a counter decreases is skipped, never
//     reported as a negative rate.
//
// Functions return an error wrapping ErrEmpty when there is nothing to compute
// on, so callers can tell "no data" from a zero.
package stats
