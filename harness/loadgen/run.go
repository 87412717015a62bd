package loadgen

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"echtzeit/harness/results"
	"echtzeit/harness/stats"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
)

// maxDrain bounds how long the receivers wait for signals in flight after the
// senders stop.
const maxDrain = 10 * time.Second

// point is a reading at a phase boundary.
type point struct {
	at        time.Time
	server    *Observation
	self      Observation
	connected int
	// sent and delivered are the signal counters at the boundary.
	sent, delivered int64
}

// run is one Run in progress.
type run struct {
	cfg    Config
	script sessionScript
	rep    *Report
	cnt    counters

	mu           sync.Mutex
	participants []*participant
	pairs        []*pair
	failures     int
	firstErr     error

	recv sync.WaitGroup // one receiver per participant

	eventMu sync.Mutex // one OnEvent call at a time
}

// Run connects the participants, runs the mode's phases and returns the
// report. Participants that fail to connect are counted (Report.Failures),
// not fatal, unless none connects. Cancelling ctx ends the run early; the
// report then holds the phases completed.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("load generator: %w", err)
	}
	host, _ := os.Hostname()
	r := &run{cfg: cfg, rep: &Report{
		Mode: cfg.Mode, URLs: cfg.URLs, Participants: cfg.Participants, Sources: len(cfg.Sources), Host: host,
	}}
	if cfg.Mode == ModeSteady {
		r.rep.Rate, r.rep.SignalBytes, r.rep.Aligned = cfg.Rate, cfg.SignalBytes, cfg.Aligned
	}
	if cfg.Mode == ModeSession {
		var err error
		if r.script, err = loadSessionScript(); err != nil {
			return nil, err
		}
	}
	recvCtx, stopRecv := context.WithCancel(context.WithoutCancel(ctx))
	defer func() {
		closeAll(r.participants)
		stopRecv()
		r.recv.Wait()
	}()

	if cfg.OnEvent != nil && cfg.ProgressEvery > 0 {
		progCtx, stopProg := context.WithCancel(ctx)
		var prog sync.WaitGroup
		prog.Go(func() { r.progress(progCtx) })
		defer func() {
			stopProg()
			prog.Wait()
		}()
	}
	start := r.point(ctx)
	if start.server != nil {
		rss := start.server.RSSBytes
		r.rep.ServerBaselineRSSBytes = &rss
	}
	var err error
	if cfg.Mode == ModeSession {
		err = r.runSession(ctx, recvCtx, start)
	} else {
		err = r.runConnected(ctx, recvCtx, start)
	}
	r.finish(start)
	return r.rep, err
}

// runConnected is ModeIdle and ModeSteady: connect, settle, the measured
// phase, and for steady the drain.
func (r *run) runConnected(ctx, recvCtx context.Context, start point) error {
	r.event(EventPhaseStart, PhaseConnect, start)
	r.connect(ctx, recvCtx, start.at)
	connected := r.point(ctx)
	r.phase(PhaseConnect, start, connected)
	r.rep.ConnectMs = float64(connected.at.Sub(start.at).Microseconds()) / 1000
	if err := r.connectErr(ctx); err != nil {
		return err
	}
	prev := connected
	if r.cfg.Settle > 0 {
		r.event(EventPhaseStart, PhaseSettle, prev)
		sleep(ctx, r.cfg.Settle)
		settled := r.point(ctx)
		r.phase(PhaseSettle, prev, settled)
		prev = settled
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if r.cfg.Mode == ModeIdle {
		r.event(EventPhaseStart, PhaseIdle, prev)
		sleep(ctx, r.cfg.Duration)
		end := r.point(ctx)
		r.phase(PhaseIdle, prev, end)
		return ctx.Err()
	}

	sendCtx, stopSend := context.WithCancel(ctx)
	var senders sync.WaitGroup
	interval := time.Duration(float64(time.Second) / r.cfg.Rate)
	pad := steadyPad(r.cfg.SignalBytes)
	r.event(EventPhaseStart, PhaseSteady, prev)
	r.cnt.measuring.Store(true)
	for _, p := range r.participants {
		senders.Go(func() { p.sendSteady(sendCtx, prev.at, interval, r.cfg.Aligned, pad, &r.cnt) })
	}
	sleep(ctx, r.cfg.Duration)
	r.cnt.measuring.Store(false)
	end := r.point(ctx)
	stopSend()
	senders.Wait()
	r.phase(PhaseSteady, prev, end)

	r.event(EventPhaseStart, PhaseDrain, end)
	deadline := time.Now().Add(maxDrain)
	for r.cnt.delivered.Load() < r.cnt.sent.Load() && time.Now().Before(deadline) && ctx.Err() == nil {
		sleep(ctx, 50*time.Millisecond)
	}
	r.phase(PhaseDrain, end, r.point(ctx))
	return ctx.Err()
}

// runSession is ModeSession: the window starts at the first dial; pairs
// arrive over the ramp and exchange their sessions; the rest of the window is
// idle.
func (r *run) runSession(ctx, recvCtx context.Context, start point) error {
	windowEnd := start.at.Add(r.cfg.Duration)
	r.event(EventPhaseStart, PhaseWindow, start)
	r.event(EventPhaseStart, PhaseSetup, start)
	r.connect(ctx, recvCtx, start.at)
	r.rep.ConnectMs = float64(time.Since(start.at).Microseconds()) / 1000
	if err := r.connectErr(ctx); err != nil {
		return err
	}
	// Wait for every session, at most until the window ends.
	wctx, cancel := context.WithDeadline(ctx, windowEnd)
	for _, pr := range r.pairs {
		for _, p := range []*participant{pr.a, pr.b} {
			select {
			case <-p.sessionDone:
			case <-p.c.Done():
			case <-wctx.Done():
			}
		}
	}
	cancel()
	setupEnd := r.point(ctx)
	r.phase(PhaseSetup, start, setupEnd)
	r.event(EventPhaseStart, PhaseIdle, setupEnd)
	sleep(ctx, time.Until(windowEnd))
	end := r.point(ctx)
	r.phase(PhaseIdle, setupEnd, end)
	r.phase(PhaseWindow, start, end)
	return ctx.Err()
}

// connect dials every room's two members (DialConcurrency rooms at once; in
// ModeSession spread over the ramp) and starts their receivers.
func (r *run) connect(ctx, recvCtx context.Context, t0 time.Time) {
	rooms := r.cfg.Participants / 2
	sem := make(chan struct{}, r.cfg.DialConcurrency)
	var wg sync.WaitGroup
	for k := range rooms {
		if r.cfg.Mode == ModeSession && r.cfg.Ramp > 0 {
			sleep(ctx, time.Until(t0.Add(r.cfg.Ramp*time.Duration(k)/time.Duration(rooms))))
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r.connectRoom(ctx, recvCtx, k)
		})
	}
	wg.Wait()
}

// connectRoom dials room k's members one after the other: the first is the
// offerer of ModeSession.
func (r *run) connectRoom(ctx, recvCtx context.Context, k int) {
	room := protocol.NewRoomID()
	pr := &pair{start: time.Now()}
	var members [2]*participant
	for j := range 2 {
		i := 2*k + j
		url := r.cfg.URLs[i%len(r.cfg.URLs)]
		opts := r.cfg.ClientOptions
		if len(r.cfg.Sources) > 0 {
			opts = append(opts[:len(opts):len(opts)], client.WithLocalAddr(r.cfg.Sources[i%len(r.cfg.Sources)]))
		}
		p, err := dialJoin(ctx, url, room, opts)
		if err != nil {
			r.fail(err, members[:j]...)
			return
		}
		p.offerer = j == 0
		p.sessionDone = make(chan struct{})
		members[j] = p
		r.recv.Go(func() { p.receive(recvCtx, r.cfg.Mode, r.script, &r.cnt) })
		r.mu.Lock()
		r.participants = append(r.participants, p)
		r.mu.Unlock()
	}
	pr.a, pr.b = members[0], members[1]
	r.mu.Lock()
	r.pairs = append(r.pairs, pr)
	r.mu.Unlock()
}

// fail counts a failed room: both members, the one that failed and the one
// that was not dialed or, already connected, has nobody to talk to and is
// closed.
func (r *run) fail(err error, connected ...*participant) {
	for _, p := range connected {
		_ = p.c.Close()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures += 2
	if r.firstErr == nil {
		r.firstErr = err
	}
	// The closed mates stay in r.participants (closing twice is harmless) but
	// not in a pair: they count as failures, not as connected.
}

func (r *run) connectErr(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.Failures = r.failures
	if r.firstErr != nil {
		r.rep.FirstError = r.firstErr.Error()
		r.cfg.Logger.Warn("participants failed to connect", "failed", r.failures, "first", r.firstErr)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(r.pairs) == 0 {
		return fmt.Errorf("load generator: %w: %w", errNoneConnected, r.firstErr)
	}
	return nil
}

// point reads the server and this process at a phase boundary.
func (r *run) point(ctx context.Context) point {
	pt := point{at: time.Now(), self: selfObservation(), sent: r.cnt.sent.Load(), delivered: r.cnt.delivered.Load()}
	r.mu.Lock()
	pt.connected = 2 * len(r.pairs)
	r.mu.Unlock()
	if r.cfg.Server != nil {
		octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		o, err := r.cfg.Server.Observe(octx)
		cancel()
		if err != nil {
			r.cfg.Logger.Warn("observe the server", "err", err)
		} else {
			pt.server = &o
		}
	}
	return pt
}

// phase records the phase from a to b and reports its end.
func (r *run) phase(name string, a, b point) {
	secs := b.at.Sub(a.at).Seconds()
	ph := Phase{LoadPhase: results.LoadPhase{Name: name, Seconds: secs}, Start: a.at, End: b.at}
	if secs > 0 {
		ph.LoadgenCPUPct = (b.self.CPUSeconds - a.self.CPUSeconds) / secs * 100
		if a.server != nil && b.server != nil {
			cpu := (b.server.CPUSeconds - a.server.CPUSeconds) / secs * 100
			rss := b.server.RSSBytes
			ph.ServerCPUPct, ph.ServerRSSBytes = &cpu, &rss
		}
	}
	r.rep.Phases = append(r.rep.Phases, ph)
	r.event(EventPhaseEnd, name, b)
}

func (r *run) event(kind, phase string, pt point) {
	if r.cfg.OnEvent != nil {
		r.eventMu.Lock()
		defer r.eventMu.Unlock()
		r.cfg.OnEvent(Event{Event: kind, Phase: phase, At: pt.at, Connected: pt.connected, Sent: pt.sent, Delivered: pt.delivered})
	}
}

// progress reports the counters every ProgressEvery until ctx ends.
func (r *run) progress(ctx context.Context) {
	t := time.NewTicker(r.cfg.ProgressEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			r.mu.Lock()
			connected := 2 * len(r.pairs)
			r.mu.Unlock()
			e := Event{Event: EventProgress, At: now, Connected: connected, Sent: r.cnt.sent.Load(), Delivered: r.cnt.delivered.Load()}
			r.eventMu.Lock()
			r.cfg.OnEvent(e)
			r.eventMu.Unlock()
		}
	}
}

// finish fills the report's totals.
func (r *run) finish(start point) {
	end := selfObservation()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.Connected = 2 * len(r.pairs)
	r.rep.Failures = r.failures
	if secs := time.Since(start.at).Seconds(); secs > 0 {
		r.rep.LoadgenCPUPct = (end.CPUSeconds - start.self.CPUSeconds) / secs * 100
	}
	r.rep.LoadgenPeakRSSBytes = end.RSSBytes
	sent, deliv := r.cnt.sent.Load(), r.cnt.delivered.Load()
	r.rep.MessagesSent, r.rep.MessagesDelivered, r.rep.MessagesLost = sent, deliv, max(0, sent-deliv)

	var lat []float64
	for _, p := range r.participants {
		p.mu.Lock()
		lat = append(lat, p.latencies...)
		p.mu.Unlock()
	}
	r.rep.LatencyP50Ms, r.rep.LatencyP95Ms = percentile(lat, 50), percentile(lat, 95)

	var setups []float64
	for _, pr := range r.pairs {
		if done(pr.a.sessionDone) && done(pr.b.sessionDone) && r.cfg.Mode == ModeSession {
			setups = append(setups, float64(pr.setupTime().Microseconds())/1000)
		}
	}
	if r.cfg.Mode == ModeSession {
		r.rep.SessionsDone = len(setups)
		r.rep.SetupP50Ms, r.rep.SetupP95Ms = percentile(setups, 50), percentile(setups, 95)
	}
}

func percentile(xs []float64, p float64) *float64 {
	v, err := stats.Percentile(xs, p)
	if err != nil {
		return nil
	}
	return &v
}

func done(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
