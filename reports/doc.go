// Package reports turns a harness run folder into the run's report: PNG plots
// (gonum/plot), report.md and a self-contained report.html, written into the
// same folder (SPEC §5, §6).
//
// Render reads only the run folder, through echtzeit/harness/results
// (environment.json, trials.jsonl, samples.csv) plus scenario.yaml as bytes, so
// a finished run and `harness report DIR` give the same files. The output is
// deterministic: rendering the same raw files twice gives byte-identical
// report.md, report.html and PNGs (no wall-clock "generated at"; the run's start
// time from environment.json stands in; every list is sorted).
//
// What the report holds:
//
//   - the environment the run measured on;
//   - "thesis vs measured": each figure of the thesis's evaluation (§4.2, §5)
//     beside this run's figure and a verdict in words;
//   - plots: fps per resolution and sender with the 15 fps target, setup time
//     of every repeat, CPU % per process, end-to-end latency (p50, p95), and
//     the signaling server's CPU and RSS against the number of participants
//     with the thesis's "< 1 % at 50 users" point;
//   - one table per trial kind listing every trial, failed ones included, and
//     the failures with their reasons;
//   - for trials over emulated networks ("Networks"): per sender profile a
//     table of the senders side by side, a verdict in words (with how fast a
//     sender recovered from a drop and a rise of the link's capacity), and a
//     time-series plot per trial (series-<index>.png) against the capacity.
//     The thesis comparison and the per-resolution plots use only the trials
//     without an emulated network or over lan.
//
// Resolutions are ordered by pixel count and shown on a categorical axis.
package reports
