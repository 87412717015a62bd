// Package results holds the record types of a harness run folder and the functions
// that write and read them. It is the seam between the harness (which writes a run
// folder as it measures) and the reports package (which reads only the folder), so
// a finished run and `harness report DIR` produce the same output (SPEC §6).
//
// # Run folder layout
//
// A run writes one folder, by default reports/runs/<UTC start time>-<scenario>/,
// e.g. reports/runs/20261125T223000Z-thesis/:
//
//	scenario.yaml     the scenario as run (the file's bytes, unchanged)
//	environment.json  one Environment object: machine, versions, git commit, start time
//	trials.jsonl      one Trial object per line, appended, flushed and fsynced as each
//	                  trial ends (AppendTrial), so an interrupted run keeps every
//	                  finished trial; a torn last line is ignored by ReadTrials
//	samples.csv       one Sample per row (SampleWriter): the viewer's page stats and
//	                  each probed process's CPU and RSS, about once a second
//	harness.log       the harness's log (text slog), including child-process stderr
//	                  summaries
//	report.md, report.html, *.png
//	                  written afterwards by the reports package from the files above
//
// The file names are the File* constants. Times in JSON are RFC 3339 with
// nanoseconds (UTC). Quantities carry their unit in the field name (Ms, Kbps, Pct,
// Bytes). CPU percent is of one core: 100 means one core fully busy, so a process
// using two cores shows 200.
//
// # Compatibility
//
// The types only grow: fields are added, never renamed or removed, and readers
// ignore fields they do not know, so older run folders stay readable.
package results
