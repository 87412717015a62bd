package camera

import (
	"context"
	"encoding/json"
	"errors"

	"echtzeit/signaling/protocol"
)

// sessionHandle is the registry's view of a running session.
type sessionHandle struct {
	s      *session
	cancel context.CancelCauseFunc
	done   chan struct{}
}

// registry holds the viewer sessions of one signaling connection. It belongs to
// the goroutine of Camera.serve: only that goroutine calls its methods, so it
// needs no lock. Sessions run in their own goroutines and report their end on
// ended, which serve passes back to reap.
type registry struct {
	c        *Camera
	ctx      context.Context // the connection's: sessions are derived from it
	signal   func(ctx context.Context, to protocol.ParticipantID, p json.RawMessage) error
	sessions map[protocol.ParticipantID]*sessionHandle
	ended    chan *sessionHandle
}

func newRegistry(ctx context.Context, c *Camera, signal func(context.Context, protocol.ParticipantID, json.RawMessage) error) *registry {
	return &registry{
		c: c, ctx: ctx, signal: signal,
		sessions: map[protocol.ParticipantID]*sessionHandle{},
		ended:    make(chan *sessionHandle),
	}
}

// start opens a session with viewer; offerer says the camera offers (§4.4.2).
func (r *registry) start(id protocol.ParticipantID, offerer bool) *sessionHandle {
	c := r.c
	s := newSession(sessionConfig{
		viewer: id, offerer: offerer, api: c.cfg.API, src: c.cfg.Source, srcName: c.cfg.SourceName,
		format: c.cfg.Format, log: c.log, metrics: c.cfg.Metrics, degradation: c.cfg.Degradation,
		signal: func(ctx context.Context, p json.RawMessage) error { return r.signal(ctx, id, p) },
	})
	sctx, scancel := context.WithCancelCause(r.ctx)
	h := &sessionHandle{s: s, cancel: scancel, done: make(chan struct{})}
	r.sessions[id] = h
	c.transition(EventViewer)
	c.log.Info("viewer session", "viewer", id, "camera_offers", offerer)
	go func() {
		err := s.run(sctx)
		c.log.Info("viewer session ended", "viewer", id, "reason", err)
		close(h.done)
		select {
		case r.ended <- h:
		case <-r.ctx.Done():
		}
	}()
	return h
}

// stop ends viewer's session with cause and waits for it.
func (r *registry) stop(id protocol.ParticipantID, cause error) {
	h, ok := r.sessions[id]
	if !ok {
		return
	}
	h.cancel(cause)
	<-h.done
	delete(r.sessions, id)
	if len(r.sessions) == 0 && !errors.Is(cause, errSignalingLost) {
		r.c.transition(EventLastViewerGone)
	}
}

// reap forgets a session that ended by itself (peer failure).
func (r *registry) reap(h *sessionHandle) {
	if r.sessions[h.s.viewer] != h {
		return
	}
	delete(r.sessions, h.s.viewer)
	if len(r.sessions) == 0 {
		r.c.transition(EventLastViewerGone)
	}
}

// closeAll ends every session: the signaling connection is gone.
func (r *registry) closeAll() {
	for id := range r.sessions {
		r.stop(id, errSignalingLost)
	}
}

// handle applies one server message to the sessions.
func (r *registry) handle(m protocol.Message) {
	log := r.c.log
	switch m := m.(type) {
	case protocol.RoomJoin:
		// The camera was first: it offers (§4.4.2).
		r.stop(m.ID, errors.New("viewer joined again"))
		r.start(m.ID, true)
	case protocol.RoomLeave:
		r.stop(m.ID, ErrViewerLeft)
	case protocol.RoomSignal:
		p, err := protocol.DecodePayload(m.Signal)
		if err != nil {
			log.Warn("ignoring undecodable signal", "from", m.From, "err", err)
			return
		}
		h, ok := r.sessions[m.From]
		if !ok {
			// The viewer was first: its request or offer opens the session and
			// the camera answers.
			if p.Request == nil && (p.SDP == nil || p.SDP.Type != "offer") {
				log.Debug("ignoring signal outside a session", "from", m.From)
				return
			}
			h = r.start(m.From, false)
		}
		h.s.deliver(p)
	case protocol.Error:
		log.Warn("server error", "code", m.Code, "message", m.Message)
	default:
		log.Debug("ignoring message", "type", m.Type())
	}
}
