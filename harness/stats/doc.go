// Package stats holds the small statistics the harness and the reports share:
// percentiles, means and summaries of a series, rates from monotonically
// increasing counters (frames per second from the receiver's framesDecoded,
// bit rate from bytesReceived), confidence intervals (the percentile
// bootstrap of a mean, also in moving blocks for one-second series, of a
// difference of means, and the Wilson score interval of a success rate).
// CPU % from /proc clock ticks is computed where /proc is read, in
// echtzeit/harness/probe.
//
// Conventions:
//
//   - Percentiles use linear interpolation between closest ranks, Hyndman and
//     Fan's definition 7 (the default of R's quantile, NumPy's percentile and
//     spreadsheets' PERCENTILE.INC): for n sorted values x[0..n-1] the p-th
//     percentile is at rank h = (n-1)·p/100, interpolated between x[⌊h⌋] and
//     x[⌈h⌉]. The 0th and 100th percentiles are the minimum and maximum.
//
//   - Counters may reset (a new WebRTC session starts its statistics again at
//     zero): an interval over which a counter decreases is skipped, never
//     reported as a negative rate.
//
//   - Intervals are 95 % unless asked otherwise, and reproducible: the
//     bootstrap draws from a fixed seed, so the same values give the same
//     interval (a report rendered twice is the same file).
//
// Functions return an error wrapping ErrEmpty when there is nothing to compute
// on, so callers can tell "no data" from a zero.
package stats
