// Package browser launches Debian's Chromium through chromedp for the
// interface tests, the camera tests and the measurement harness.
//
// One [Browser] is one Chromium process with a fresh --user-data-dir that
// [Browser.Close] removes ([Launch] also removes the folders of earlier
// browsers whose owner died without Close). [Browser.NewPage] opens a tab (in its own window,
// so it gets animation frames and requestVideoFrameCallback) with its own
// context; a page records its console messages and uncaught exceptions.
// [Eval] evaluates JavaScript and decodes the result, [Page.WaitFor] polls a
// JavaScript condition until a deadline, and [Page.Snapshot] reads the
// interface's window.echtzeit.snapshot() (DESIGN.md).
//
// Chromium runs in its own process group and dies with this program (the
// parent-death signal of echtzeit/internal/child); [Browser.Output] keeps
// the last lines it wrote and [Browser.ExitReason] says how it ended
// ("chromium exited: signal: killed").
//
// Tests share one Chromium per test binary through package browsertest,
// which holds everything that needs package testing, so that the binaries
// do not link it.
//
// Environment: ECHTZEIT_CHROMIUM overrides the binary
// (default /usr/lib/chromium/chromium); ECHTZEIT_HEADFUL=1 runs with a
// visible window for debugging (needs a display).
package browser
