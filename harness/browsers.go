package harness

import (
	"context"
	"fmt"
	"time"

	"echtzeit/harness/browser"
	"echtzeit/harness/results"
)

// ensureBrowser returns the run's Chromium, launching it (again) when there is
// none, it died, or its fake camera runs at another frame rate (fps > 0).
func (r *runner) ensureBrowser(ctx context.Context, fps int) (*browser.Browser, error) {
	if r.br != nil && (!r.proc.Alive(r.br.PID()) || (fps > 0 && fps != r.brFPS)) {
		if !r.proc.Alive(r.br.PID()) {
			r.logger.Warn("chromium gone; relaunching", "output", tailLines(r.br.Output(), 10))
		}
		if err := r.br.Close(); err != nil {
			r.logger.Warn("close chromium", "err", err)
		}
		r.br = nil
	}
	if r.br != nil {
		return r.br, nil
	}
	if fps <= 0 {
		fps = 30
	}
	opts := []browser.Option{
		browser.WithFakeCamera(fps),
		browser.WithIgnoreCertErrors(),
		browser.WithLoopbackPeerConnection(),
		browser.WithAutoplay(),
		browser.WithLogger(r.logger),
	}
	opts = append(append(opts, r.browserTrust()...), r.cfg.BrowserOptions...)
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	br, err := browser.Launch(lctx, opts...)
	if err != nil {
		return nil, &partError{part: results.ProcessBrowser, reason: fmt.Sprintf("launch chromium: %v", err)}
	}
	r.br, r.brFPS = br, fps
	return br, nil
}

// browserError describes a failed browser step: Chromium's exit when it is
// gone, else the step's error.
func (r *runner) browserError(br *browser.Browser, what string, err error) error {
	if !r.proc.Alive(br.PID()) {
		return &partError{part: results.ProcessBrowser, reason: "chromium exited during " + what, tail: tailLines(br.Output(), 20)}
	}
	return fmt.Errorf("%s: %w", what, err)
}
