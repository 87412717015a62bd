package camera

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"echtzeit/signaling/protocol"
)

// CodeCameraBusy is the error code of the signal that refuses a viewer when the
// camera runs Limits.MaxSessions sessions already.
const CodeCameraBusy = "camera-busy"

// sessionHandle is the registry's view of a running session.
type sessionHandle struct {
	s      *session
	key    uint64 // the session's pacer key
	cancel context.CancelCauseFunc
	done   chan struct{}
	err    error // why run returned; read after done is closed
}

// pendingStart is a viewer whose session start is put off (admission).
type pendingStart struct {
	offerer bool
	at      time.Time
	res     *rate.Reservation // a start-rate token held for it, or nil
	signals []protocol.Payload
	budget  int // signals received while delayed, kept or answered (Limits.MaxQueuedSignals)
}

// registry holds the viewer sessions of one signaling connection and decides
// when they start. It belongs to the goroutine of Camera.serve: only that
// goroutine calls its methods, so it needs no lock. Sessions run in their own
// goroutines and report their end on ended; delayed starts are woken through
// due. Both are passed back to reap and wake by serve.
type registry struct {
	c      *Camera
	ctx    context.Context // the connection's: sessions are derived from it
	limits Limits
	pacer  *pacer
	admit  *admission

	sessions map[protocol.ParticipantID]*sessionHandle
	stopping map[*sessionHandle]struct{} // cancelled, not yet returned
	pending  map[protocol.ParticipantID]*pendingStart
	keys     map[protocol.ParticipantID]uint64 // each viewer's current pacer key
	lastKey  uint64

	ended chan *sessionHandle
	due   chan struct{}
	timer *time.Timer
	wg    sync.WaitGroup // the session goroutines
}

func newRegistry(ctx context.Context, c *Camera, p *pacer, a *admission) *registry {
	return &registry{
		c: c, ctx: ctx, limits: c.cfg.Limits, pacer: p, admit: a,
		sessions: map[protocol.ParticipantID]*sessionHandle{},
		stopping: map[*sessionHandle]struct{}{},
		pending:  map[protocol.ParticipantID]*pendingStart{},
		keys:     map[protocol.ParticipantID]uint64{},
		ended:    make(chan *sessionHandle),
		due:      make(chan struct{}, 1),
	}
}

// key is viewer's pacer key, made on first use.
func (r *registry) key(viewer protocol.ParticipantID) uint64 {
	k, ok := r.keys[viewer]
	if !ok {
		r.lastKey++
		k = r.lastKey
		r.keys[viewer] = k
	}
	return k
}

// dropKey stops everything queued for viewer under its current key.
func (r *registry) dropKey(viewer protocol.ParticipantID, forget bool) {
	k, ok := r.keys[viewer]
	if !ok {
		return
	}
	delete(r.keys, viewer)
	r.pacer.close(k)
	if forget {
		r.pacer.forget(k)
	}
}

// want asks for a session with viewer: now, later (admission), or not at all
// (Limits.MaxSessions). signals are the viewer's signals that asked for it.
func (r *registry) want(viewer protocol.ParticipantID, offerer bool, signals []protocol.Payload) {
	if len(r.sessions) >= r.limits.MaxSessions {
		r.refuse(viewer, refuseMaxSessions)
		return
	}
	if r.ctx.Err() != nil {
		return
	}
	now := time.Now()
	delay, reason, res := r.admit.admit(viewer, now)
	if delay <= 0 {
		r.start(viewer, offerer, signals)
		return
	}
	r.pending[viewer] = &pendingStart{offerer: offerer, at: now.Add(delay), res: res, signals: signals, budget: len(signals)}
	r.c.cfg.Metrics.SessionDelayed(reason)
	r.c.log.Debug("viewer session delayed", "viewer", r.c.ids.tag(string(viewer)), "reason", reason, "for", delay.Round(time.Millisecond))
	r.arm()
}

// refuse turns viewer away for reason.
func (r *registry) refuse(viewer protocol.ParticipantID, reason string) {
	r.c.cfg.Metrics.SessionRefused(reason)
	r.c.log.Info("viewer refused", "viewer", r.c.ids.tag(string(viewer)), "reason", reason)
	if reason != refuseMaxSessions {
		return
	}
	payload, err := protocol.EncodePayload(protocol.Payload{Error: &protocol.Error{
		Code: CodeCameraBusy, Message: "the camera serves as many viewers as it can",
	}})
	if err == nil {
		_ = r.pacer.enqueue(r.key(viewer), viewer, payload, true) // a full queue drops it
	}
}

// arm sets the timer to the earliest delayed start.
func (r *registry) arm() {
	if r.timer != nil {
		r.timer.Stop()
	}
	var first time.Time
	for _, p := range r.pending {
		if first.IsZero() || p.at.Before(first) {
			first = p.at
		}
	}
	if first.IsZero() {
		return
	}
	r.timer = time.AfterFunc(time.Until(first), func() {
		select {
		case r.due <- struct{}{}:
		default:
		}
	})
}

// wake starts the delayed sessions that are due.
func (r *registry) wake() {
	now := time.Now()
	for viewer, p := range r.pending {
		if now.Before(p.at) {
			continue
		}
		delete(r.pending, viewer)
		switch {
		case len(r.sessions) >= r.limits.MaxSessions:
			r.refuse(viewer, refuseMaxSessions)
		case p.res != nil: // the start-rate token is this start's
			r.start(viewer, p.offerer, p.signals)
		default: // the viewer's backoff is over; the start rate still applies
			r.want(viewer, p.offerer, p.signals)
		}
	}
	r.arm()
}

// cancelPending forgets a delayed start: the viewer left before it.
func (r *registry) cancelPending(viewer protocol.ParticipantID) bool {
	p, ok := r.pending[viewer]
	if !ok {
		return false
	}
	now := time.Now()
	delete(r.pending, viewer)
	if p.res != nil {
		p.res.CancelAt(now)
	}
	r.admit.ended(viewer, false, now)
	r.arm()
	return true
}

// start opens a session with viewer and hands it signals.
func (r *registry) start(viewer protocol.ParticipantID, offerer bool, signals []protocol.Payload) {
	c := r.c
	key := r.key(viewer)
	s := newSession(sessionConfig{
		viewer: viewer, tag: c.ids.tag(string(viewer)), offerer: offerer,
		api: c.cfg.API, ice: c.cfg.ICE.Configuration(r.ctx), fan: c.fan, src: c.cfg.Source, srcName: c.cfg.SourceName, format: c.cfg.Format,
		log: c.log, metrics: c.cfg.Metrics, limits: r.limits, degradation: c.cfg.Degradation,
		signal: func(p json.RawMessage, urgent bool) error { return r.pacer.enqueue(key, viewer, p, urgent) },
	})
	for _, p := range signals {
		s.deliver(p) // fewer than Limits.MaxQueuedSignals: checked while delayed
	}
	sctx, scancel := context.WithCancelCause(r.ctx)
	h := &sessionHandle{s: s, key: key, cancel: scancel, done: make(chan struct{})}
	r.sessions[viewer] = h
	c.cfg.Metrics.SessionStarted(len(r.sessions))
	c.transition(EventViewer)
	c.log.Info("viewer session", "viewer", c.ids.tag(string(viewer)), "camera_offers", offerer)
	r.wg.Go(func() {
		h.err = s.run(sctx)
		close(h.done)
		select {
		case r.ended <- h:
		case <-r.ctx.Done():
		}
	})
}

// stop ends viewer's session (or its delayed start) with cause. The session
// winds down in its goroutine; reap collects it.
func (r *registry) stop(viewer protocol.ParticipantID, cause error) {
	if r.cancelPending(viewer) {
		r.dropKey(viewer, true)
		return
	}
	h, ok := r.sessions[viewer]
	if !ok {
		r.dropKey(viewer, true) // e.g. a camera-busy answer still queued
		return
	}
	// Fed to the backoff now, not when the session has wound down: a viewer
	// that joins again at once is already delayed.
	r.admit.ended(viewer, h.s.up.Load(), time.Now())
	r.halt(viewer, h, cause)
}

// halt cancels viewer's session h and moves it to stopping; reap collects it.
func (r *registry) halt(viewer protocol.ParticipantID, h *sessionHandle, cause error) {
	h.cancel(cause)
	r.dropKey(viewer, false) // forgotten when the session has returned
	delete(r.sessions, viewer)
	r.stopping[h] = struct{}{}
	if len(r.sessions) == 0 {
		r.c.transition(EventLastViewerGone)
	}
}

// reap collects a session that returned: stopped, or ended by itself (peer
// failure, a broken bound).
func (r *registry) reap(h *sessionHandle) {
	r.pacer.forget(h.key)
	delete(r.stopping, h)
	if r.sessions[h.s.viewer] == h {
		// Ended by itself: its queued signals go too.
		delete(r.sessions, h.s.viewer)
		r.dropKey(h.s.viewer, true)
		if len(r.sessions) == 0 {
			r.c.transition(EventLastViewerGone)
		}
		r.admit.ended(h.s.viewer, h.s.up.Load(), time.Now())
	}
	r.finished(h)
}

// finished logs and counts a session's end and feeds the viewer's backoff.
func (r *registry) finished(h *sessionHandle) {
	reason := endReasonOf(h.err)
	r.c.cfg.Metrics.SessionEnded(reason, len(r.sessions))
	log := h.s.log
	after := time.Since(h.s.started).Round(time.Millisecond)
	if reason.Abuse() {
		log.Warn("viewer session ended", "reason", reason, "after", after)
	} else {
		log.Info("viewer session ended", "reason", reason, "after", after)
	}
	// The error may quote what the viewer sent (an SDP line): debug only.
	log.Debug("viewer session ended", "err", h.err)
}

// closeAll ends every session and waits for them: the connection is gone (or
// the camera stops). serve calls wait after cancelling the registry's context.
func (r *registry) closeAll(cause error) {
	if r.timer != nil {
		r.timer.Stop()
	}
	for viewer := range r.pending {
		delete(r.pending, viewer)
	}
	for viewer, h := range r.sessions {
		h.cancel(cause)
		delete(r.sessions, viewer)
		r.stopping[h] = struct{}{}
	}
	for h := range r.stopping {
		<-h.done
		delete(r.stopping, h)
		r.finished(h)
	}
}

// wait waits for the session goroutines after the registry's context is done.
func (r *registry) wait() { r.wg.Wait() }

// handle applies one server message to the sessions.
func (r *registry) handle(m protocol.Message) {
	log := r.c.log
	switch m := m.(type) {
	case protocol.RoomJoin:
		// The camera was first: it offers (§4.4.2).
		r.stop(m.ID, ErrViewerRejoined)
		r.want(m.ID, true, nil)
	case protocol.RoomLeave:
		r.stop(m.ID, ErrViewerLeft)
	case protocol.RoomSignal:
		p, err := protocol.DecodePayload(m.Signal)
		if err != nil {
			log.Debug("ignoring undecodable signal", "viewer", r.c.ids.tag(string(m.From)), "err", err)
			return
		}
		r.signal(m.From, p)
	case protocol.Error:
		// The server's text may quote what the camera sent: debug only. A
		// signal to a viewer that has just left is expected.
		if m.Code != protocol.CodeUnknownPeer {
			log.Warn("server error", "code", m.Code)
		}
		log.Debug("server error", "code", m.Code, "message", m.Message)
	default:
		log.Debug("ignoring message", "type", m.Type())
	}
}

// signal routes one of viewer's signals: to its session, to its delayed start,
// or, when it is a request or an offer, into a new session (the viewer was
// first and the camera answers).
func (r *registry) signal(viewer protocol.ParticipantID, p protocol.Payload) {
	if h, ok := r.sessions[viewer]; ok {
		if !h.s.deliver(p) {
			r.stopFlooded(viewer, h)
		}
		return
	}
	if pend, ok := r.pending[viewer]; ok {
		// Refused requests count against the viewer's budget too.
		pend.budget++
		if p.Request != nil && pend.budget <= r.limits.MaxQueuedSignals && r.refuseEarly(viewer, *p.Request) {
			return
		}
		if pend.budget > r.limits.MaxQueuedSignals {
			r.cancelPending(viewer)
			r.dropKey(viewer, true)
			r.refuse(viewer, refuseSignalFlood)
			return
		}
		pend.signals = append(pend.signals, p)
		return
	}
	if p.Request == nil && (p.SDP == nil || p.SDP.Type != "offer") {
		r.c.log.Debug("ignoring signal outside a session", "viewer", r.c.ids.tag(string(viewer)))
		return
	}
	if p.Request != nil && r.refuseEarly(viewer, *p.Request) {
		return
	}
	r.want(viewer, false, []protocol.Payload{p})
}

// refuseEarly answers a request that no session of this camera could serve at
// once, without waiting for a delayed session; it reports whether it did.
func (r *registry) refuseEarly(viewer protocol.ParticipantID, req protocol.FormatRequest) bool {
	_, err := checkRequest(r.c.cfg.Source, r.c.cfg.Format, req)
	if err == nil {
		return false
	}
	// Debug only: a viewer without a session could repeat this at the server's
	// rate (its answers are bounded by its pacer queue).
	r.c.log.Debug("refusing format request", "viewer", r.c.ids.tag(string(viewer)), "err", err)
	if payload, perr := refusalPayload(err); perr == nil {
		_ = r.pacer.enqueue(r.key(viewer), viewer, payload, true)
	}
	return true
}

// stopFlooded ends a session whose mailbox is over Limits.MaxQueuedSignals.
func (r *registry) stopFlooded(viewer protocol.ParticipantID, h *sessionHandle) {
	r.admit.ended(viewer, false, time.Now()) // a flood is churn, even after connecting
	r.halt(viewer, h, ErrSignalFlood)
}
