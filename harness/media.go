package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"echtzeit/harness/browser"
	"echtzeit/harness/probe"
	"echtzeit/harness/results"
	"echtzeit/harness/scenario"
	"echtzeit/signaling/protocol"
)

// snapshotTimeout bounds one read of the viewer's snapshot.
const snapshotTimeout = 5 * time.Second

// runMedia runs a camera-to-browser or browser-to-browser trial: sender,
// viewer page, first frame, warm-up, measurement.
func (r *runner) runMedia(ctx context.Context, sp scenario.Spec, tr *results.Trial, st *stage) error {
	st.set("starting the signaling server")
	ep, err := r.ensureSignaling(ctx)
	if err != nil {
		return err
	}
	tracker := r.newTracker(ep)

	p := sp.Params
	room := protocol.NewRoomID()
	viewerURL := ""
	var cam *child
	var readSender senderReader
	switch {
	case sp.Kind == results.KindCameraToBrowser && r.sc.Camera.Remote:
		room = protocol.RoomID(r.sc.Camera.Room)
		viewerURL = fmt.Sprintf("%s/?room=%s&request=%dx%d@%d&codec=%s", ep.baseURL, room, p.Width, p.Height, p.FPS, p.Codec)
		if u := r.sc.Camera.MetricsURL; u != "" {
			tracker.Add(probe.Target{Name: results.ProcessCamera, MetricsURL: u})
			readSender = cameraMetricsReader(r.metricsHTTP, u)
		}
	case sp.Kind == results.KindCameraToBrowser:
		r.waitIdle(ctx, ep)
		// Rooms left over from an earlier trial (if waitIdle gave up) must not
		// count as the camera's.
		baseRooms, _ := ep.gauge(ctx, metricRooms)
		st.set("starting the camera")
		var camMetrics string
		cam, camMetrics, err = r.startCamera(ep, room, p)
		if err != nil {
			return err
		}
		readSender = cameraMetricsReader(r.metricsHTTP, camMetrics)
		defer func() {
			if err := cam.Stop(); err != nil {
				r.logger.Warn("stop camera", "err", err)
			}
		}()
		tracker.Add(probe.Target{Name: results.ProcessCamera, PID: cam.PID()})
		st.set("waiting for the camera to join its room")
		err = cam.waitUntil(ctx, 100*time.Millisecond, func(ctx context.Context) bool {
			n, err := ep.gauge(ctx, metricRooms)
			return err == nil && n > baseRooms
		})
		if err != nil {
			return r.cameraError(cam, err)
		}
		viewerURL = fmt.Sprintf("%s/?room=%s", ep.baseURL, room)
	default: // browser-to-browser
		viewerURL = fmt.Sprintf("%s/?room=%s", ep.baseURL, room)
	}

	st.set("starting Chromium")
	fps := 0
	if sp.Kind == results.KindBrowserToBrowser {
		fps = p.FPS
	}
	br, err := r.ensureBrowser(ctx, fps)
	if err != nil {
		return err
	}
	tracker.Add(probe.Target{Name: results.ProcessBrowser, PID: br.PID(), Tree: true})

	// check fails the trial as soon as a part is gone.
	check := func() error {
		if cam != nil && cam.Exited() {
			return r.cameraError(cam, nil)
		}
		if !pidAlive(r.proc, br.PID()) {
			return &partError{part: results.ProcessBrowser, reason: "chromium exited", tail: tailLines(br.Output(), 20)}
		}
		if ep.local() && !ep.alive() {
			return &partError{part: results.ProcessSignaling, reason: ep.proc.ExitReason(), tail: ep.proc.Tail()}
		}
		return nil
	}

	if sp.Kind == results.KindBrowserToBrowser {
		st.set("opening the sender page")
		sender, err := br.NewPage(ctx)
		if err != nil {
			return r.browserError(br, "open sender page", err)
		}
		defer func() { _ = sender.Close() }()
		readSender = pageOutboundReader(sender)
		senderURL := fmt.Sprintf("%s/?room=%s&send=camera&width=%d&height=%d&fps=%d&codec=%s", ep.baseURL, room, p.Width, p.Height, p.FPS, p.Codec)
		if err := sender.Navigate(ctx, senderURL); err != nil {
			return r.browserError(br, "load sender page", err)
		}
		st.set("waiting for the sender page to join")
		if err := r.waitSnapshot(ctx, sender, check, func(s browser.Snapshot) bool { return s.Phases.Joined != nil }); err != nil {
			return err
		}
	}

	st.set("opening the viewer page")
	viewer, err := br.NewPage(ctx)
	if err != nil {
		return r.browserError(br, "open viewer page", err)
	}
	defer func() { _ = viewer.Close() }()
	tracker.Sample(ctx, r.now()) // CPU baseline
	navStart := r.now()
	if err := viewer.Navigate(ctx, viewerURL); err != nil {
		return r.browserError(br, "load viewer page", err)
	}
	st.set("waiting for the first frame")
	var last browser.Snapshot
	err = r.waitSnapshot(ctx, viewer, check, func(s browser.Snapshot) bool {
		last = s
		return s.Phases.FirstFrame != nil
	})
	tr.Phases, tr.SetupMs = phasesFrom(last.Phases, navStart)
	if err != nil {
		if ctx.Err() == nil && last.Error != nil {
			return fmt.Errorf("viewer page error %s: %s", last.Error.Code, last.Error.Message)
		}
		return err
	}

	vs := newViewerSeries(tr.Index, tr.Start)
	vs.frameCode = p.Source == "synthetic" // only the synthetic source draws the frame code
	var senderStart *senderReading
	startWindow := func() {
		vs.startWindow()
		if readSender == nil {
			return
		}
		if sr, err := readSender(ctx); err == nil {
			senderStart = &sr
		} else {
			r.logger.Warn("read the sender's counters", "trial", tr.Index, "err", err)
		}
	}
	err = r.measure(ctx, sp, st, tracker, tr.Start, func(now time.Time) error {
		if err := check(); err != nil {
			return err
		}
		sctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
		s, err := viewer.Snapshot(sctx)
		cancel()
		if err != nil {
			if cerr := check(); cerr != nil {
				return cerr
			}
			return r.browserError(br, "read viewer snapshot", err)
		}
		r.writeRow(vs.add(s, now))
		return nil
	}, startWindow)
	if err == nil && senderStart != nil {
		if sr, serr := readSender(ctx); serr == nil {
			tr.Sender = senderStats(*senderStart, sr)
		} else {
			r.logger.Warn("read the sender's counters", "trial", tr.Index, "err", serr)
		}
	}
	// Setup phases again: the final snapshot has every phase of the session.
	if vs.last != nil && vs.last.Session == last.Session {
		tr.Phases, tr.SetupMs = phasesFrom(vs.last.Phases, navStart)
	}
	vs.fill(tr)
	tr.Processes = tracker.Stats()
	if err != nil {
		return err
	}
	if tr.FramesDecoded <= 0 || tr.FPSMean <= 0 {
		return errors.New("no frame decoded during the measurement window")
	}
	return nil
}

// measure runs the warm-up and the measurement: every sample interval it
// calls sample (the viewer or load row) and reads the tracker; after the
// warm-up it calls startWindow and the tracker's StartWindow.
func (r *runner) measure(ctx context.Context, sp scenario.Spec, st *stage, tracker *probe.Tracker, trialStart time.Time,
	sample func(now time.Time) error, startWindow func()) error {
	interval := r.sc.SampleInterval.D()
	warmEnd := r.now().Add(sp.Warmup)
	st.set(fmt.Sprintf("warming up (%s)", sp.Warmup))
	measuring := false
	var measureEnd time.Time
	for {
		now := r.now()
		if err := sample(now); err != nil {
			return err
		}
		r.writeProbePoints(sp.Index, trialStart, now, measuring, tracker.Sample(ctx, now))
		if measuring && !now.Before(measureEnd) {
			return nil
		}
		if !measuring && !now.Before(warmEnd) {
			startWindow()
			tracker.StartWindow()
			measuring = true
			// From after startWindow, which may read a slow /metrics.
			measureEnd = r.now().Add(sp.Measure)
			st.set(fmt.Sprintf("measuring (%s)", sp.Measure))
		}
		// The next sample is a full interval after this one, even when this
		// one was late (a busy machine): no bursts of back-to-back readings.
		wait := time.NewTimer(time.Until(now.Add(interval)))
		select {
		case <-ctx.Done():
			wait.Stop()
			return ctx.Err()
		case <-wait.C:
		}
	}
}

// waitSnapshot polls a page's snapshot until cond holds, a part fails, the page
// reports an error state, or ctx ends.
func (r *runner) waitSnapshot(ctx context.Context, page *browser.Page, check func() error, cond func(browser.Snapshot) bool) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	var lastErr error
	var last *browser.Snapshot
	for {
		if err := check(); err != nil {
			return err
		}
		sctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
		s, err := page.Snapshot(sctx)
		cancel()
		if err == nil {
			if cond(s) {
				return nil
			}
			if s.State == "error" && s.Error != nil {
				return fmt.Errorf("page error %s: %s", s.Error.Code, s.Error.Message)
			}
			last = &s
		}
		lastErr = err
		select {
		case <-ctx.Done():
			switch {
			case last != nil:
				return fmt.Errorf("%w; page state %q, %s", ctx.Err(), last.State, reachedPhases(last.Phases))
			case lastErr != nil:
				return fmt.Errorf("%w; page snapshot: %w", ctx.Err(), lastErr)
			}
			return ctx.Err()
		case <-t.C:
		}
	}
}

// reachedPhases names the last setup phase a page reached.
func reachedPhases(p browser.Phases) string {
	reached := "no phase reached"
	for _, ph := range p.Ordered() {
		if ph.At != nil {
			reached = "last phase reached: " + ph.Name
		}
	}
	return reached
}

// startCamera starts bin/camera for one trial; it returns the camera's /metrics URL.
func (r *runner) startCamera(ep *endpoint, room protocol.RoomID, p results.Params) (*child, string, error) {
	if r.cameraBin == "" {
		path, err := findBinary(r.cfg.BinDir, "camera")
		if err != nil {
			return nil, "", err
		}
		r.cameraBin = path
	}
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	metricsAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := []string{
		"--signaling", ep.wsURL,
		"--room", string(room),
		"--source", p.Source,
		"--width", strconv.Itoa(p.Width), "--height", strconv.Itoa(p.Height),
		"--fps", strconv.Itoa(p.FPS),
		"--codec", p.Codec,
		"--metrics-addr", metricsAddr,
		"--ice-loopback",
		"--log-level", "info",
	}
	if ep.fingerprint != "" {
		args = append(args, "--tls-fingerprint", ep.fingerprint)
	}
	if r.sc.Camera.Bitrate > 0 {
		args = append(args, "--bitrate", strconv.Itoa(r.sc.Camera.Bitrate))
	}
	args = append(args, r.sc.Camera.Args...)
	c, err := startChild(results.ProcessCamera, r.cameraBin, args, r.logger)
	if err != nil {
		return nil, "", &partError{part: results.ProcessCamera, reason: err.Error()}
	}
	return c, "http://" + metricsAddr + "/metrics", nil
}

// cameraError describes a camera failure; when the camera has exited, that is
// the reason (waiting for it to flush its output briefly).
func (r *runner) cameraError(cam *child, cause error) error {
	if !cam.Exited() {
		select {
		case <-cam.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	if cam.Exited() {
		return &partError{part: results.ProcessCamera, reason: cam.ExitReason(), tail: tailLines(cam.Tail(), 20)}
	}
	return cause
}

// ensureBrowser returns the run's Chromium, launching it (again) when there is
// none, it died, or its fake camera runs at another frame rate (fps > 0).
func (r *runner) ensureBrowser(ctx context.Context, fps int) (*browser.Browser, error) {
	if r.br != nil && (!pidAlive(r.proc, r.br.PID()) || (fps > 0 && fps != r.brFPS)) {
		if !pidAlive(r.proc, r.br.PID()) {
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
	opts = append(opts, r.cfg.BrowserOptions...)
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	br, err := browser.Launch(lctx, opts...)
	if err != nil {
		return nil, &partError{part: results.ProcessBrowser, reason: fmt.Sprintf("launch chromium: %v", err)}
	}
	r.br, r.brFPS = br, fps
	return br, nil
}

func (r *runner) browserError(br *browser.Browser, what string, err error) error {
	if !pidAlive(r.proc, br.PID()) {
		return &partError{part: results.ProcessBrowser, reason: "chromium exited during " + what, tail: tailLines(br.Output(), 20)}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// pidAlive reports whether pid exists and is not a zombie.
func pidAlive(p probe.Proc, pid int) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile(filepath.Join(p.Root, strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
}
