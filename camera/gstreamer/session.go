package gstreamer

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/pion/webrtc/v4"

	"echtzeit/camera"
	"echtzeit/signaling/protocol"
)

// metricsInterval is how often a session moves the pipeline's counters into the
// Prometheus metrics.
const metricsInterval = 500 * time.Millisecond

// newPeerFunc builds a pipeline (newPeer in binding_cgo.go).
type newPeerFunc func(desc string, localAddrs []string, events func(any)) (peer, error)

// remoteSignal is a viewer's signal in the session's mailbox.
type remoteSignal struct{ payload protocol.Payload }

type pendingCandidate struct {
	mline     uint16
	candidate string
}

type sessionConfig struct {
	viewer     protocol.ParticipantID
	offerer    bool // the sender was in the room first and offers (§4.4.2)
	pipeline   PipelineConfig
	localAddrs []string
	signal     func(ctx context.Context, payload json.RawMessage) error
	newPeer    newPeerFunc
	log        *slog.Logger
	metrics    *camera.Metrics
}

// session is one webrtcbin pipeline serving one viewer. One goroutine (run) owns
// every field; GStreamer's threads only post to the mailbox.
type session struct {
	cfg   sessionConfig
	log   *slog.Logger
	inbox *mailbox

	pipe      PipelineConfig // as built (codec and payload type may come from the offer)
	pc        peer
	feed      *feeder
	offered   bool // a local offer was sent
	remoteSet bool
	connected bool
	pending   []pendingCandidate
	started   time.Time
}

func newSession(cfg sessionConfig) *session {
	return &session{
		cfg: cfg, log: cfg.log.With("viewer", cfg.viewer), inbox: newMailbox(),
		pipe: cfg.pipeline, started: time.Now(),
	}
}

// deliver hands a viewer's signal to the session; it never blocks.
func (s *session) deliver(p protocol.Payload) { s.inbox.put(remoteSignal{p}) }

// run serves the viewer until ctx ends or the connection or pipeline fails; it
// always stops and frees the pipeline before it returns.
func (s *session) run(ctx context.Context) (err error) {
	defer s.teardown()
	if s.cfg.offerer {
		if err := s.build(); err != nil {
			return err
		}
	}
	tick := time.NewTicker(metricsInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-tick.C:
			s.updateMetrics()
		case <-s.inbox.ready:
			for _, ev := range s.inbox.drain() {
				if err := s.handle(ctx, ev); err != nil {
					return err
				}
			}
		}
	}
}

// build creates and starts the pipeline for s.pipe.
func (s *session) build() error {
	desc, err := s.pipe.Describe()
	if err != nil {
		return err
	}
	s.log.Debug("building pipeline", "pipeline", desc)
	t0 := time.Now()
	pc, err := s.cfg.newPeer(desc, s.cfg.localAddrs, s.inbox.put)
	if err != nil {
		return err
	}
	defer func() { s.log.Debug("pipeline started", "took", time.Since(t0).Round(time.Millisecond)) }()
	s.pc = pc
	s.cfg.metrics.SetFormat(s.pipe.Format, s.pipe.Source)
	s.cfg.metrics.SetPeerState(webrtc.PeerConnectionStateNew)
	if s.pipe.Source == SourceSynthetic {
		if err := pc.SetFormat(s.pipe.Format.Width, s.pipe.Format.Height, s.pipe.Format.FPS); err != nil {
			return err
		}
	}
	if err := pc.Start(); err != nil {
		return err
	}
	if s.pipe.Source == SourceSynthetic {
		fd, err := startFeeder(pc, s.pipe.Format, s.cfg.metrics, s.inbox.put)
		if err != nil {
			return err
		}
		s.feed = fd
	}
	return nil
}

func (s *session) teardown() {
	if s.pc == nil {
		return
	}
	if s.feed != nil {
		s.feed.stop()
	}
	s.pc.Stop()
	if s.feed != nil {
		s.feed.wait()
		s.feed = nil
	}
	s.updateMetrics()
	s.pc.Close()
	s.pc = nil
	s.cfg.metrics.SetPeerState(webrtc.PeerConnectionStateClosed)
}

func (s *session) handle(ctx context.Context, ev any) error {
	switch ev := ev.(type) {
	case remoteSignal:
		return s.handleSignal(ctx, ev.payload)
	case evNegotiationNeeded:
		if !s.cfg.offerer || s.offered || s.pc == nil {
			return nil
		}
		t0 := time.Now()
		sdp, err := s.pc.CreateSDP(true)
		if err != nil {
			return err
		}
		s.log.Debug("local offer", "sdp", sdp, "since_session_start", time.Since(s.started).Round(time.Millisecond),
			"create_offer", time.Since(t0).Round(time.Millisecond))
		s.offered = true
		return s.sendSDP(ctx, "offer", sdp)
	case evLocalCandidate:
		mline := ev.mline
		payload, err := protocol.CandidatePayload(protocol.ICECandidate{Candidate: ev.candidate, SDPMLineIndex: &mline})
		if err != nil {
			return err
		}
		return s.send(ctx, "candidate", payload)
	case evGatheringComplete:
		return s.send(ctx, "end of candidates", protocol.EndOfCandidatesPayload())
	case evConnectionState:
		return s.handleState(ev.state)
	case evBus:
		switch ev.kind {
		case busWarning:
			s.log.Warn("pipeline warning", "message", ev.text)
		case busEOS:
			return fmt.Errorf("%w: end of stream", ErrPipeline)
		default:
			return fmt.Errorf("%w: %s", ErrPipeline, ev.text)
		}
	case evFeederEnded:
		return fmt.Errorf("%w: frame feeder: %w", ErrPipeline, ev.err)
	}
	return nil
}

func (s *session) handleState(st webrtc.PeerConnectionState) error {
	s.log.Debug("peer connection state", "state", st)
	s.cfg.metrics.SetPeerState(st)
	switch st {
	case webrtc.PeerConnectionStateConnected:
		if !s.connected {
			s.connected = true
			s.log.Info("viewer connected", "format", s.pipe.Format.String(), "after", time.Since(s.started).Round(time.Millisecond))
			// The first key frame may have gone out before DTLS was up
			// (FIELD-NOTES "slow first frame").
			s.pc.ForceKeyFrame()
		}
	case webrtc.PeerConnectionStateFailed:
		return fmt.Errorf("%w: state %s", ErrPeerFailed, st)
	case webrtc.PeerConnectionStateClosed:
		return fmt.Errorf("%w: closed", ErrPeerFailed)
	}
	return nil
}

func (s *session) handleSignal(ctx context.Context, p protocol.Payload) error {
	switch {
	case p.Request != nil:
		return s.handleRequest(ctx, *p.Request)
	case p.SDP != nil:
		return s.handleSDP(ctx, *p.SDP)
	case p.IsEndOfCandidates():
		return nil
	case len(p.Candidate) > 0:
		c, ok, err := p.ICECandidate()
		if err != nil || !ok {
			s.log.Warn("ignoring malformed candidate", "err", err)
			return nil
		}
		if c.Candidate == "" {
			return nil
		}
		pc := pendingCandidate{candidate: c.Candidate}
		if c.SDPMLineIndex != nil {
			pc.mline = *c.SDPMLineIndex
		}
		if !s.remoteSet {
			s.pending = append(s.pending, pc)
			return nil
		}
		s.pc.AddCandidate(pc.mline, pc.candidate)
	case p.Error != nil:
		s.log.Warn("viewer reported an error", "code", p.Error.Code, "message", p.Error.Message)
	}
	return nil
}

// handleRequest applies a viewer's format request (SPEC §2). Before the pipeline
// exists everything can change; afterwards the size and rate change through the
// appsrc's caps (the encoder follows), the codec cannot.
func (s *session) handleRequest(ctx context.Context, r protocol.FormatRequest) error {
	f, err := s.pipe.Format.WithRequest(r)
	switch {
	case err != nil:
	case s.pc == nil:
		s.pipe.Format = f
		return nil
	case f == s.pipe.Format:
		return nil
	case f.Codec != s.pipe.Format.Codec:
		err = fmt.Errorf("%w: the codec cannot change after the pipeline was built (%s)", camera.ErrUnsupportedFormat, s.pipe.Format.Codec)
	case s.pipe.Source != SourceSynthetic:
		err = fmt.Errorf("%w: %s cannot change its size after the pipeline was built", camera.ErrUnsupportedFormat, s.pipe.Source)
	default:
		return s.resize(f)
	}
	s.log.Info("refusing format request", "request", r, "err", err)
	payload, perr := protocol.EncodePayload(protocol.Payload{Error: &protocol.Error{Code: camera.CodeUnsupportedFormat, Message: err.Error()}})
	if perr != nil {
		return perr
	}
	return s.send(ctx, "unsupported-format", payload)
}

// resize feeds frames of f's size and rate into the running pipeline; the
// encoder follows the new caps and gets the bitrate for the new size.
func (s *session) resize(f camera.Format) error {
	s.log.Info("format requested", "format", f.String())
	s.pipe.Format = f
	s.cfg.metrics.SetFormat(f, s.pipe.Source)
	if err := s.pc.SetBitrate(s.pipe.bitrateProperty()); err != nil {
		s.log.Warn("encoder bitrate not changed", "err", err)
	}
	s.feed.setFormat(f)
	return nil
}

func (s *session) handleSDP(ctx context.Context, d protocol.SessionDescription) error {
	switch d.Type {
	case "answer":
		if s.pc == nil || !s.offered {
			s.log.Warn("ignoring an answer without an offer")
			return nil
		}
		if err := s.pc.SetRemote(false, d.SDP); err != nil {
			return err
		}
		s.remoteSet = true
		s.flushCandidates()
		return nil
	case "offer":
		return s.answer(ctx, d.SDP)
	}
	s.log.Warn("ignoring session description", "type", d.Type)
	return nil
}

// answer answers the viewer's offer. A sender whose own offer is still
// unanswered (glare) is polite: it drops its pipeline and answers instead.
func (s *session) answer(ctx context.Context, sdp string) error {
	if s.pc != nil && s.offered && !s.remoteSet {
		s.log.Info("offer collision; answering the viewer's offer")
		s.teardown()
		s.offered = false
		s.connected = false
	}
	s.log.Debug("remote offer", "sdp", sdp)
	if s.pc == nil {
		codec, pt, err := answerCodec(sdp, s.pipe.Format.Codec)
		if err != nil {
			return err
		}
		if codec != s.pipe.Format.Codec {
			s.log.Warn("viewer did not offer the codec; falling back", "codec", s.pipe.Format.Codec, "fallback", codec)
		}
		s.pipe.Format.Codec, s.pipe.PayloadType = codec, pt
		s.cfg.offerer = false
		if err := s.build(); err != nil {
			return err
		}
	}
	if err := s.pc.SetRemote(true, sdp); err != nil {
		return err
	}
	s.remoteSet = true
	answer, err := s.pc.CreateSDP(false)
	if err != nil {
		return err
	}
	if err := s.sendSDP(ctx, "answer", answer); err != nil {
		return err
	}
	s.flushCandidates()
	return nil
}

func (s *session) flushCandidates() {
	for _, c := range s.pending {
		s.pc.AddCandidate(c.mline, c.candidate)
	}
	s.pending = nil
}

func (s *session) sendSDP(ctx context.Context, typ, sdp string) error {
	payload, err := protocol.EncodePayload(protocol.Payload{SDP: &protocol.SessionDescription{Type: typ, SDP: sdp}})
	if err != nil {
		return err
	}
	return s.send(ctx, typ, payload)
}

func (s *session) send(ctx context.Context, what string, payload json.RawMessage) error {
	if err := s.cfg.signal(ctx, payload); err != nil {
		return fmt.Errorf("send %s: %w", what, err)
	}
	return nil
}

// updateMetrics moves the pipeline's counters into the Prometheus metrics.
func (s *session) updateMetrics() {
	if s.pc == nil {
		return
	}
	c := s.pc.Drain()
	m := s.cfg.metrics
	for _, d := range c.encodeTimes {
		m.FrameEncoded(d)
	}
	for range c.encoded - int64(len(c.encodeTimes)) {
		m.FrameEncoded(0)
	}
	if s.pipe.Source != SourceSynthetic {
		for range c.encoded {
			m.FrameCaptured() // videotestsrc: every frame reaches the encoder
		}
	}
	m.SampleSent(int(c.bytes), false)
	for range c.sent {
		m.SampleSent(0, true)
	}
}
