package gstreamer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"echtzeit/camera"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
)

// Config configures a Sender.
type Config struct {
	// SignalingURL is the server's WebSocket URL, e.g. wss://host:8443/ws.
	SignalingURL string
	// ClientOptions are passed to client.Dial (TLS trust, logger, ...).
	ClientOptions []client.Option
	// Room is the room the sender joins and stays in.
	Room protocol.RoomID
	// Pipeline is the default pipeline; a viewer's request or offer may change
	// its format, codec and payload type for that viewer's session.
	Pipeline PipelineConfig
	// LocalAddresses, when set, are the only addresses ICE gathers candidates
	// on (libnice's default is every interface but loopback).
	LocalAddresses []string
	// Backoff paces reconnection attempts; camera.DefaultBackoff when nil.
	Backoff *camera.Backoff
	// Logger; slog.Default when nil.
	Logger *slog.Logger
	// Metrics (the camera's names, DESIGN.md "Camera metrics") may be nil.
	Metrics *camera.Metrics
	// OnState, when set, is called with every state change. It must not block.
	OnState func(camera.State)
}

// Validate checks the configuration; messages name the setting.
func (c Config) Validate() error {
	var errs []error
	if c.SignalingURL == "" {
		errs = append(errs, errors.New("'signaling' URL must be set"))
	}
	if err := c.Room.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("'room': %w", err))
	}
	if err := c.Pipeline.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Sender joins its room and streams to each viewer through a webrtcbin pipeline
// of its own, with the echtzeit camera's states (camera.State) and roles.
type Sender struct {
	cfg     Config
	log     *slog.Logger
	state   camera.State
	newPeer newPeerFunc
}

// New checks cfg and returns a Sender; Run starts it. It fails with
// ErrNotCompiled in builds without the GStreamer binding.
func New(cfg Config) (*Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("gstreamer sender config: %w", err)
	}
	if err := Init(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Backoff == nil {
		cfg.Backoff = camera.DefaultBackoff()
	}
	return &Sender{cfg: cfg, log: cfg.Logger, newPeer: newPeer}, nil
}

func (s *Sender) transition(e camera.Event) {
	next, err := s.state.Next(e)
	if err != nil || next == s.state {
		return
	}
	s.log.Debug("sender state", "from", s.state, "to", next, "event", e)
	s.state = next
	if s.cfg.OnState != nil {
		s.cfg.OnState(next)
	}
}

// Run connects, joins and streams until ctx is cancelled; a lost connection leads
// to a reconnect with backoff. It returns nil after cancellation.
func (s *Sender) Run(ctx context.Context) error {
	defer s.transition(camera.EventStop)
	for {
		s.transition(camera.EventConnect)
		err := s.connectAndServe(ctx)
		if ctx.Err() != nil {
			return nil
		}
		s.transition(camera.EventSignalingLost)
		wait := s.cfg.Backoff.Next()
		s.log.Warn("signaling lost; reconnecting", "err", err, "in", wait.Round(time.Millisecond))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

func (s *Sender) connectAndServe(ctx context.Context) error {
	cl, err := client.Dial(ctx, s.cfg.SignalingURL, s.cfg.ClientOptions...)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer cl.Close()
	joined, err := cl.Join(ctx, s.cfg.Room)
	if err != nil {
		return err
	}
	s.cfg.Backoff.Reset()
	s.log.Info("joined room", "room", joined.Room, "id", cl.ID(), "peers", len(joined.Peers))
	s.transition(camera.EventJoined)
	return s.serve(ctx, cl)
}

// errSignalingLost ends the sessions when the signaling connection is gone.
var errSignalingLost = errors.New("signaling lost")

type sessionHandle struct {
	s      *session
	viewer protocol.ParticipantID
	cancel context.CancelCauseFunc
	done   chan struct{}
}

// serve handles the room's messages until the connection is gone or ctx is done;
// on return every session is closed.
func (s *Sender) serve(ctx context.Context, cl *client.Client) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs, recvErr, wg := receive(ctx, cl)
	reg := &registry{sender: s, cl: cl, sessions: map[protocol.ParticipantID]*sessionHandle{}, ended: make(chan *sessionHandle)}
	defer func() {
		reg.stopAll()
		cancel()
		wg.Wait()
	}()
	for {
		select {
		case err := <-recvErr:
			return err
		case h := <-reg.ended:
			reg.forget(h)
		case m := <-msgs:
			reg.handle(ctx, m)
		}
	}
}

// receive reads the connection's messages on a goroutine the caller waits for.
func receive(ctx context.Context, cl *client.Client) (<-chan protocol.Message, <-chan error, *sync.WaitGroup) {
	msgs := make(chan protocol.Message)
	recvErr := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			m, err := cl.Receive(ctx)
			if err != nil {
				recvErr <- err
				return
			}
			select {
			case msgs <- m:
			case <-ctx.Done():
				recvErr <- ctx.Err()
				return
			}
		}
	})
	return msgs, recvErr, &wg
}

// registry is the serve loop's set of viewer sessions; only serve's goroutine
// uses it.
type registry struct {
	sender   *Sender
	cl       *client.Client
	sessions map[protocol.ParticipantID]*sessionHandle
	ended    chan *sessionHandle
}

func (r *registry) handle(ctx context.Context, m protocol.Message) {
	log := r.sender.log
	switch m := m.(type) {
	case protocol.RoomJoin:
		// The sender was first: it offers (§4.4.2).
		r.stop(m.ID, errors.New("viewer joined again"))
		r.start(ctx, m.ID, true)
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
			// The viewer was first: its request or offer opens the session.
			if p.Request == nil && (p.SDP == nil || p.SDP.Type != "offer") {
				log.Debug("ignoring signal outside a session", "from", m.From)
				return
			}
			h = r.start(ctx, m.From, false)
		}
		h.s.deliver(p)
	case protocol.Error:
		log.Warn("server error", "code", m.Code, "message", m.Message)
	default:
		log.Debug("ignoring message", "type", m.Type())
	}
}

func (r *registry) start(ctx context.Context, viewer protocol.ParticipantID, offerer bool) *sessionHandle {
	cfg := r.sender.cfg
	cl := r.cl
	sess := newSession(sessionConfig{
		viewer: viewer, offerer: offerer, pipeline: cfg.Pipeline, localAddrs: cfg.LocalAddresses,
		signal:  func(ctx context.Context, p json.RawMessage) error { return cl.Signal(ctx, viewer, p) },
		newPeer: r.sender.newPeer, log: r.sender.log, metrics: cfg.Metrics,
	})
	sctx, scancel := context.WithCancelCause(ctx)
	h := &sessionHandle{s: sess, viewer: viewer, cancel: scancel, done: make(chan struct{})}
	r.sessions[viewer] = h
	r.sender.transition(camera.EventViewer)
	r.sender.log.Info("viewer session", "viewer", viewer, "sender_offers", offerer)
	go func() {
		err := sess.run(sctx)
		r.sender.log.Info("viewer session ended", "viewer", viewer, "reason", err)
		close(h.done)
		select {
		case r.ended <- h:
		case <-ctx.Done():
		}
	}()
	return h
}

// stop ends the viewer's session and waits for it.
func (r *registry) stop(viewer protocol.ParticipantID, cause error) {
	h, ok := r.sessions[viewer]
	if !ok {
		return
	}
	h.cancel(cause)
	<-h.done
	delete(r.sessions, viewer)
	if len(r.sessions) == 0 && !errors.Is(cause, errSignalingLost) {
		r.sender.transition(camera.EventLastViewerGone)
	}
}

// forget removes a session that ended on its own.
func (r *registry) forget(h *sessionHandle) {
	if r.sessions[h.viewer] != h {
		return
	}
	delete(r.sessions, h.viewer)
	if len(r.sessions) == 0 {
		r.sender.transition(camera.EventLastViewerGone)
	}
}

func (r *registry) stopAll() {
	for id := range r.sessions {
		r.stop(id, errSignalingLost)
	}
}
