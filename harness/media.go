package harness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"time"

	"echtzeit/harness/browser"
	"echtzeit/harness/cgroup"
	"echtzeit/harness/nat"
	"echtzeit/harness/phase"
	"echtzeit/harness/probe"
	"echtzeit/harness/results"
	"echtzeit/harness/scenario"
	"echtzeit/harness/stats"
	"echtzeit/signaling/protocol"
)

// snapshotTimeout bounds one read of a page's snapshot.
const snapshotTimeout = 5 * time.Second

// mediaTrial is one media trial: a network, a sender, one or more viewer
// pages and the probes that measure their processes (SPEC §6).
type mediaTrial struct {
	r      *runner
	sp     scenario.Spec
	st     *stage
	start  time.Time
	ep     *endpoint
	room   protocol.RoomID
	net    network
	probes *probe.Tracker

	sender  Sender
	viewers []*viewer
	// path is the trial's NAT/relay path (direct when it has none).
	path nat.Path
	// budget is the sender's CPU quota group, nil without one.
	budget *cgroup.Group

	// Series of the measurement window from the network's and the sender's
	// rows, for the trial's figures.
	linkKbps, targetKbps []float64
	lastSender           *senderReading
}

// runMedia runs a media trial: network, sender, viewers, first frame,
// warm-up, measurement. It returns what it measured, also when it failed.
func (r *runner) runMedia(ctx context.Context, sp scenario.Spec, st *stage, start time.Time) (results.Measured, error) {
	var m results.Measured
	path := nat.Paths[0]
	if name := sp.Params.Path; name != "" {
		p, err := nat.ParsePath(name)
		if err != nil {
			return m, err
		}
		path = p
	}
	net, err := r.newNetwork(sp.Index, sp.Params)
	if err != nil {
		return m, err
	}
	t := &mediaTrial{r: r, sp: sp, st: st, start: start, room: protocol.NewRoomID(), net: net, path: path}
	if r.sc.Camera.Remote && sp.Kind == results.KindCameraToBrowser {
		t.room = protocol.RoomID(r.sc.Camera.Room)
	}
	err = t.run(ctx, &m)
	return m, err
}

func (t *mediaTrial) run(ctx context.Context, m *results.Measured) error {
	if t.path.NeedsRouters() && t.net.Name() == "" {
		return fmt.Errorf("path %s needs NAT routers: give its block an emulated network (networks: [lan])", t.path.Name)
	}
	if name := t.net.Name(); name != "" {
		t.st.set("building network " + name)
	}
	// Torn down after every part stopped (the defers below run first).
	defer t.logErr("tear down network", t.net.Teardown)
	if err := t.net.Setup(ctx); err != nil {
		return fmt.Errorf("set up network %s: %w", t.net.Name(), err)
	}
	t.st.set("starting the signaling server")
	ep, err := t.net.Signaling(ctx)
	if err != nil {
		return err
	}
	t.ep, t.probes = ep, t.r.newTracker(ep)
	t.net.AddProbes(t.probes)

	if err := t.setupBudget(); err != nil {
		return err
	}
	defer t.logErr("remove cpu budget", func() error { return t.removeBudget(m) })
	if t.sender, err = newSender(t); err != nil {
		return err
	}
	defer t.logErr("stop sender", t.sender.Stop)
	if err := t.sender.Start(ctx, t); err != nil {
		return err
	}
	defer t.closeViewers()
	if err := t.openViewers(ctx, max(1, t.sp.Params.Viewers), m); err != nil {
		return err
	}
	if err := t.net.FirstFrame(); err != nil {
		t.r.logger.Warn("start the link schedule", "trial", t.sp.Index, "err", err)
	}
	sender, relay, err := t.measureWindow(ctx)
	t.fill(m, sender, relay)
	if err != nil {
		return err
	}
	if m.FramesDecoded <= 0 || m.FPSMean <= 0 {
		return errors.New("no frame decoded during the measurement window")
	}
	return nil
}

// openViewers opens n viewer pages one after the other and waits for each
// one's first frame; the setup phases of the first go into m.
func (t *mediaTrial) openViewers(ctx context.Context, n int, m *results.Measured) error {
	t.st.set("starting Chromium")
	br, err := t.browser(ctx, viewerSide, 0)
	if err != nil {
		return err
	}
	t.probes.Add(probe.Target{Name: results.ProcessBrowser, PID: br.PID(), Tree: true})
	for i := range n {
		t.st.set("opening the viewer page")
		v, err := t.openViewer(ctx, br, i, m)
		if v != nil {
			t.viewers = append(t.viewers, v)
		}
		if err != nil {
			return err
		}
		t.st.set("waiting for the first frame")
		err = v.waitFirstFrame(ctx, t)
		if i == 0 {
			v.fillSetup(m)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// measureWindow samples every viewer and the probes through the warm-up and
// the measurement window; it returns the sender's and the TURN server's
// counters over the window when they could be read.
func (t *mediaTrial) measureWindow(ctx context.Context) (*results.SenderStats, *results.RelayStats, error) {
	var senderStart *senderReading
	var relayStart *relayReading
	readRelayAt := func(what string) *relayReading {
		if !t.ep.turn {
			return nil
		}
		rr, err := readRelay(ctx, t.ep)
		if err != nil {
			t.r.logger.Warn("read the TURN server's counters", "trial", t.sp.Index, "at", what, "err", err)
			return nil
		}
		return &rr
	}
	readSender := func(what string) *senderReading {
		sr, err := t.sender.Counters(ctx)
		if err != nil {
			if !errors.Is(err, errNoCounters) {
				t.r.logger.Warn("read the sender's counters", "trial", t.sp.Index, "at", what, "err", err)
			}
			return nil
		}
		return &sr
	}
	measuring := false
	err := t.r.measure(ctx, t.sp, t.st, t.probes, t.start, func(now time.Time) error {
		for _, v := range t.viewers {
			if err := t.sampleViewer(ctx, v, now); err != nil {
				return err
			}
		}
		t.sampleNetworkAndSender(ctx, now, measuring)
		return nil
	}, func() {
		measuring = true
		for _, v := range t.viewers {
			v.series.startWindow()
		}
		senderStart = readSender("window start")
		relayStart = readRelayAt("window start")
	})
	if err != nil {
		return nil, nil, err
	}
	var sender *results.SenderStats
	var relay *results.RelayStats
	if end := readRelayAt("window end"); end != nil && relayStart != nil {
		relay = relayStats(*relayStart, *end)
	}
	if senderStart != nil {
		if end := readSender("window end"); end != nil {
			sender = senderStats(*senderStart, *end)
		}
	}
	return sender, relay, nil
}

// sampleNetworkAndSender writes the network's rows (the links' capacity)
// and the sender's row (encoded fps, sent and target bitrate) of one tick,
// and keeps their window series.
func (t *mediaTrial) sampleNetworkAndSender(ctx context.Context, now time.Time, measuring bool) {
	for _, row := range t.net.Sample(t.sp.Index, t.start, now, measuring) {
		if measuring && !math.IsNaN(row.LinkKbps) {
			t.linkKbps = append(t.linkKbps, row.LinkKbps)
		}
		t.r.writeRow(row)
	}
	sr, err := t.sender.Counters(ctx)
	if err != nil {
		return
	}
	if prev := t.lastSender; prev != nil && sr.at.After(prev.at) {
		row := senderRow(*prev, sr, t.sp.Index)
		row.T, row.Time, row.Measuring = now.Sub(t.start).Seconds(), now, measuring
		if measuring && !math.IsNaN(row.TargetKbps) {
			t.targetKbps = append(t.targetKbps, row.TargetKbps)
		}
		t.r.writeRow(row)
	}
	t.lastSender = &sr
}

// sampleViewer reads one viewer's snapshot and writes its samples.csv row.
func (t *mediaTrial) sampleViewer(ctx context.Context, v *viewer, now time.Time) error {
	if err := t.check(); err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	s, err := v.page.Snapshot(sctx)
	cancel()
	if err != nil {
		if cerr := t.check(); cerr != nil {
			return cerr
		}
		return t.r.browserError(v.br, "read viewer snapshot", err)
	}
	t.r.writeRow(v.series.add(s, now))
	return nil
}

// fill writes the figures of the viewers, the sender, the relay and the
// probes into m: the receiver figures of the viewer with the lowest fps, the
// setup phases and ICE path of the first, every viewer's in PerViewer when
// there are several.
func (t *mediaTrial) fill(m *results.Measured, sender *results.SenderStats, relay *results.RelayStats) {
	if len(t.viewers) > 0 {
		per := make([]results.ViewerStats, len(t.viewers))
		lowest := 0
		for i, v := range t.viewers {
			// Setup phases again: the last snapshot has every phase of the session.
			if last := v.series.last; last != nil && last.Session == v.setup.Session {
				v.setup = *last
			}
			per[i] = v.stats()
			if per[i].FPSMean < per[lowest].FPSMean {
				lowest = i
			}
		}
		first := t.viewers[0]
		first.fillSetup(m)
		t.viewers[lowest].series.fill(m)
		m.CandidatePair, m.ICEGatheringMs = first.ice()
		if len(per) > 1 {
			m.PerViewer = per
		}
	}
	if sender != nil {
		if mean, err := stats.Mean(t.targetKbps); err == nil {
			sender.TargetBitrateKbps = &mean
		}
	}
	m.Sender = sender
	m.Relay = relay
	if sender != nil && (sender.EncodeMeanMs != nil || sender.SendMeanMs != nil) {
		if m.Delays == nil {
			m.Delays = &results.Delays{}
		}
		m.Delays.EncodeMs, m.Delays.SendMs = sender.EncodeMeanMs, sender.SendMeanMs
	}
	if mean, err := stats.Mean(t.linkKbps); err == nil {
		m.LinkKbps = &mean
	}
	if t.probes != nil {
		m.Processes = t.probes.Stats()
	}
}

// check fails the trial as soon as a part is gone.
func (t *mediaTrial) check() error {
	if err := t.net.Check(); err != nil {
		return err
	}
	if err := t.sender.Check(); err != nil {
		return err
	}
	for _, v := range t.viewers {
		if !t.r.proc.Alive(v.br.PID()) {
			return &partError{part: results.ProcessBrowser, reason: "chromium exited", tail: tailLines(v.br.Output(), 20)}
		}
	}
	if ep := t.ep; ep.local() && !ep.alive() {
		return &partError{part: results.ProcessSignaling, reason: ep.proc.ExitReason(), tail: ep.proc.Tail()}
	}
	return nil
}

// pageURL is the interface's address with the trial's room, the path's ICE
// policy and q.
func (t *mediaTrial) pageURL(q url.Values) string {
	all := url.Values{"room": {string(t.room)}}
	if t.path.RelayOnly {
		all.Set("relay", "1")
	}
	if c := t.sp.Params.Chart; c != nil && !*c {
		all.Set("chart", "0") // the page without its live chart (DESIGN.md)
	}
	for k, vs := range q {
		all[k] = vs
	}
	return t.ep.baseURL + "/?" + all.Encode()
}

// browser returns the Chromium for a side of the trial's network, with the
// fake camera at fps (0: any). A sender's Chromium of its own is measured as
// ProcessSenderBrowser (the viewers' as ProcessBrowser, by openViewers).
func (t *mediaTrial) browser(ctx context.Context, s side, fps int) (*browser.Browser, error) {
	br, own, err := t.net.Browser(ctx, s, fps)
	if err == nil && own && s == senderSide {
		t.probes.Add(probe.Target{Name: results.ProcessSenderBrowser, PID: br.PID(), Tree: true})
	}
	return br, err
}

// startProcess starts a part's program on a side of the trial's network; a
// sender-side program runs under the trial's CPU budget, if any.
func (t *mediaTrial) startProcess(s side, name, path string, args []string) (*child, error) {
	proc, err := startChildIn(t.net.Prefix(s), name, path, args, t.r.logger)
	if err != nil {
		return nil, err
	}
	if err := t.joinBudget(s, proc); err != nil {
		_ = proc.Stop()
		return nil, err
	}
	return proc, nil
}

func (t *mediaTrial) closeViewers() {
	for _, v := range t.viewers {
		t.logErr("close viewer page", v.page.Close)
	}
}

func (t *mediaTrial) logErr(what string, f func() error) {
	if err := f(); err != nil {
		t.r.logger.Warn(what, "trial", t.sp.Index, "err", err)
	}
}

// waitSnapshot polls a page's snapshot until cond holds, a part fails, the
// page reports an error state, or ctx ends. It returns the last snapshot read.
func (t *mediaTrial) waitSnapshot(ctx context.Context, page *browser.Page, cond func(browser.Snapshot) bool) (browser.Snapshot, error) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last *browser.Snapshot
	var lastErr error
	for {
		if t.sender != nil {
			if err := t.check(); err != nil {
				return snapshotOrZero(last), err
			}
		}
		sctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
		s, err := page.Snapshot(sctx)
		cancel()
		if err == nil {
			last = &s
			if cond(s) {
				return s, nil
			}
			if s.State == "error" && s.Error != nil {
				return s, fmt.Errorf("page error %s: %s", s.Error.Code, s.Error.Message)
			}
		}
		lastErr = err
		select {
		case <-ctx.Done():
			switch {
			case last != nil:
				return *last, fmt.Errorf("%w; page state %q, %s", ctx.Err(), last.State, reachedPhases(last.Phases))
			case lastErr != nil:
				return browser.Snapshot{}, fmt.Errorf("%w; page snapshot: %w", ctx.Err(), lastErr)
			}
			return browser.Snapshot{}, ctx.Err()
		case <-tick.C:
		}
	}
}

func snapshotOrZero(s *browser.Snapshot) browser.Snapshot {
	if s == nil {
		return browser.Snapshot{}
	}
	return *s
}

// reachedPhases names the last setup phase a page reached.
func reachedPhases(p phase.Times) string {
	if last := p.Last(); last != phase.Unknown {
		return "last phase reached: " + last.String()
	}
	return "no phase reached"
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
