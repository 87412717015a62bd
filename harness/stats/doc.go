// Package stats holds the small statistics the harness and the reports share:
// percentiles, means and summaries of a series, rates from monotonically
// increasing counters (frames per second from the receiver's framesDecoded,
// bit rate from bytesReceived) and CPU % from /proc clock-tick deltas.
//
// Conventions:
//
//   - Percentiles use linear interpolation between closest ranks, Hyndman and
//     Fan's definition 7 (the default of R's quantile, NumPy's percentile and
//     spreadsheets' PERCENTILE.INC): for n sorted values x[0..n-1] the p-th
//     percentile is at rank h = (n-1)·p/100, interpolated between x[⌊h⌋] and
//     x[⌈h⌉]. The 0th and 100th percentiles are the minimum and maximum.
//   - CPU % is (Δutime + Δstime) / (Δwall seconds × CLK_TCK) × 100, so 100 %
//     is one core fully busy and a process on two busy cores shows 200 %
//     (the convention of top and of the thesis §5). Reading /proc is the
//     probe's job (echtzeit/harness/probe); this package only does the
//     arithmetic.
//   - Counters may reset (a new WebRTC session starts its statistics again at
//     zero): an interval over which a counter decreases is skipped, never
//     reported as a negative rate.
//
// Functions return an error wrapping ErrEmpty when there is nothing to compute
// on, so callers can tell "no data" from a zero.
package stats
