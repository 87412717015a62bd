package camera

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"echtzeit/signaling/protocol"
)

// Errors that end a session.
var (
	// ErrPeerFailed means the PeerConnection failed (ICE or DTLS) or was closed by
	// the remote side.
	ErrPeerFailed = errors.New("peer connection failed")
	// ErrViewerLeft means the viewer left the room (Room/Leave).
	ErrViewerLeft = errors.New("viewer left")
)

// streamRetryDelay is the wait before a failed source is started again while the
// viewer is still connected.
const streamRetryDelay = 2 * time.Second

// signalFunc sends a signal payload to the session's viewer.
type signalFunc func(ctx context.Context, payload json.RawMessage) error

// Events in a session's mailbox.
type (
	remoteSignal   struct{ payload protocol.Payload }
	localCandidate struct{ c *webrtc.ICECandidate } // nil: gathering complete
	peerState      struct{ s webrtc.PeerConnectionState }
	streamEnded    struct {
		gen int
		err error
	}
)

// session is one WebRTC PeerConnection to one viewer (thesis §4.6.2, state 2). One
// goroutine (run) owns all its fields; pion's callbacks only post to the mailbox.
type session struct {
	viewer  protocol.ParticipantID
	offerer bool // the camera was in the room first and offers (§4.4.2)
	api     *webrtc.API
	ice     webrtc.Configuration
	src     EncodedSource
	srcName string
	signal  signalFunc
	log     *slog.Logger
	metrics *Metrics

	inbox *mailbox

	pc        *webrtc.PeerConnection
	sender    *webrtc.RTPSender
	track     *webrtc.TrackLocalStaticSample
	format    Format
	remoteSet bool
	pending   []webrtc.ICECandidateInit
	connected bool

	keyFrames    chan struct{}
	streamGen    int
	streamCancel context.CancelFunc
	streamWG     sync.WaitGroup
	retry        *time.Timer
	rtcpWG       sync.WaitGroup

	firstFrameLogged bool
	started          time.Time
}

type sessionConfig struct {
	viewer  protocol.ParticipantID
	offerer bool
	api     *webrtc.API
	ice     webrtc.Configuration
	src     EncodedSource
	srcName string
	format  Format
	signal  signalFunc
	log     *slog.Logger
	metrics *Metrics
}

func newSession(cfg sessionConfig) *session {
	return &session{
		viewer:    cfg.viewer,
		offerer:   cfg.offerer,
		api:       cfg.api,
		ice:       cfg.ice,
		src:       cfg.src,
		srcName:   cfg.srcName,
		format:    cfg.format,
		signal:    cfg.signal,
		log:       cfg.log.With("viewer", cfg.viewer),
		metrics:   cfg.metrics,
		inbox:     newMailbox(),
		keyFrames: make(chan struct{}, 1),
		started:   time.Now(),
	}
}

// deliver hands a signal from the viewer to the session; it never blocks.
func (s *session) deliver(p protocol.Payload) { s.inbox.put(remoteSignal{p}) }

// run sets up the PeerConnection and serves it until ctx is cancelled (the viewer
// left, or the camera stops) or the connection fails. It always closes the
// PeerConnection and stops the source before returning.
func (s *session) run(ctx context.Context) (err error) {
	defer func() { err = errors.Join(err, s.teardown()) }()
	if err := s.setup(); err != nil {
		return err
	}
	if s.offerer {
		if err := s.offer(ctx); err != nil {
			return err
		}
	}
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-s.inbox.ready:
		}
		for _, ev := range s.inbox.drain() {
			if err := s.handle(ctx, ev); err != nil {
				return err
			}
		}
	}
}

func (s *session) setup() error {
	pc, err := s.api.NewPeerConnection(s.ice)
	if err != nil {
		return fmt.Errorf("new peer connection: %w", err)
	}
	s.pc = pc
	track, err := newTrack(s.format.Codec)
	if err != nil {
		return err
	}
	s.track = track
	tr, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return fmt.Errorf("add track: %w", err)
	}
	s.sender = tr.Sender()
	pc.OnICECandidate(func(c *webrtc.ICECandidate) { s.inbox.put(localCandidate{c}) })
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) { s.inbox.put(peerState{st}) })
	s.rtcpWG.Add(1)
	go s.readRTCP(s.sender)
	s.metrics.SetPeerState(webrtc.PeerConnectionStateNew)
	return nil
}

// readRTCP reads the viewer's RTCP (so the interceptors see NACKs and reports) and
// turns picture loss indications into key frame requests. It ends when the sender
// is stopped by PeerConnection.Close.
func (s *session) readRTCP(sender *webrtc.RTPSender) {
	defer s.rtcpWG.Done()
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				s.requestKeyFrame()
			}
		}
	}
}

func (s *session) requestKeyFrame() {
	select {
	case s.keyFrames <- struct{}{}:
	default:
	}
}

func (s *session) teardown() error {
	if s.retry != nil {
		s.retry.Stop()
	}
	s.stopStream()
	var err error
	if s.pc != nil {
		if cerr := s.pc.Close(); cerr != nil {
			err = fmt.Errorf("close peer connection: %w", cerr)
		}
	}
	s.rtcpWG.Wait()
	s.metrics.SetPeerState(webrtc.PeerConnectionStateClosed)
	return err
}

func (s *session) handle(ctx context.Context, ev any) error {
	switch ev := ev.(type) {
	case remoteSignal:
		return s.handleSignal(ctx, ev.payload)
	case localCandidate:
		return s.sendCandidate(ctx, ev.c)
	case peerState:
		return s.handleState(ev.s)
	case streamEnded:
		if ev.gen != s.streamGen || ev.err == nil {
			return nil
		}
		s.log.Warn("source stopped; starting it again", "err", ev.err, "retry_in", streamRetryDelay)
		if s.retry != nil {
			s.retry.Stop()
		}
		gen := ev.gen
		s.retry = time.AfterFunc(streamRetryDelay, func() { s.inbox.put(restartStream{gen: gen}) })
	case restartStream:
		if ev.gen == s.streamGen && s.connected {
			s.startStream()
		}
	}
	return nil
}

type restartStream struct{ gen int }

func (s *session) handleState(st webrtc.PeerConnectionState) error {
	s.log.Debug("peer connection state", "state", st)
	s.metrics.SetPeerState(st)
	switch st {
	case webrtc.PeerConnectionStateConnected:
		if !s.connected {
			s.connected = true
			s.log.Info("viewer connected", "format", s.format.String(), "after", time.Since(s.started).Round(time.Millisecond))
			// A new encoder starts with a key frame, so the first frame the viewer
			// gets after DTLS is up is decodable (FIELD-NOTES "slow first frame").
			s.startStream()
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
		init := webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex, UsernameFragment: c.UsernameFragment}
		if !s.remoteSet {
			s.pending = append(s.pending, init)
			return nil
		}
		if err := s.pc.AddICECandidate(init); err != nil {
			s.log.Warn("add remote candidate", "err", err)
		}
		return nil
	case p.Error != nil:
		s.log.Warn("viewer reported an error", "code", p.Error.Code, "message", p.Error.Message)
		return nil
	}
	s.log.Debug("ignoring empty signal")
	return nil
}

// handleRequest applies a viewer's format request to this session (SPEC §2): the
// size and frame rate take effect by restarting the source, the codec by swapping
// the track (both codecs are in every offer and answer this camera makes).
func (s *session) handleRequest(ctx context.Context, r protocol.FormatRequest) error {
	f, err := s.format.WithRequest(r)
	if err == nil {
		err = CheckFormat(s.src, f)
	}
	if err == nil && f.Codec != s.format.Codec && s.remoteSet && !s.negotiated(f.Codec) {
		err = fmt.Errorf("%w: codec %s was not negotiated with this viewer", ErrUnsupportedFormat, f.Codec)
	}
	if err != nil {
		s.log.Info("refusing format request", "request", r, "err", err)
		payload, perr := protocol.EncodePayload(protocol.Payload{Error: &protocol.Error{Code: CodeUnsupportedFormat, Message: err.Error()}})
		if perr != nil {
			return perr
		}
		if serr := s.signal(ctx, payload); serr != nil {
			return fmt.Errorf("send unsupported-format: %w", serr)
		}
		return nil
	}
	if f == s.format {
		return nil
	}
	s.log.Info("format requested", "format", f.String())
	codecChanged := f.Codec != s.format.Codec
	s.format = f
	running := s.streamCancel != nil
	s.stopStream()
	if codecChanged {
		track, err := newTrack(f.Codec)
		if err != nil {
			return err
		}
		if err := s.sender.ReplaceTrack(track); err != nil {
			return fmt.Errorf("replace track for %s: %w", f.Codec, err)
		}
		s.track = track
	}
	if running || s.connected {
		s.startStream()
	}
	return nil
}

// negotiated reports whether codec is among the sender's negotiated codecs.
func (s *session) negotiated(codec string) bool {
	want := mimeType(codec)
	for _, c := range s.sender.GetParameters().Codecs {
		if strings.EqualFold(c.MimeType, want) {
			return true
		}
	}
	return false
}

func (s *session) handleSDP(ctx context.Context, d protocol.SessionDescription) error {
	desc := webrtc.SessionDescription{SDP: d.SDP}
	switch d.Type {
	case "offer":
		desc.Type = webrtc.SDPTypeOffer
	case "answer":
		desc.Type = webrtc.SDPTypeAnswer
	default:
		s.log.Warn("ignoring session description", "type", d.Type)
		return nil
	}
	if desc.Type == webrtc.SDPTypeOffer && s.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		// Glare: the camera is polite and takes the viewer's offer.
		s.log.Info("offer collision; rolling back the camera's offer")
		if err := s.pc.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback}); err != nil {
			return fmt.Errorf("rollback: %w", err)
		}
	}
	if err := s.pc.SetRemoteDescription(desc); err != nil {
		return fmt.Errorf("set remote %s: %w", d.Type, err)
	}
	s.remoteSet = true
	for _, c := range s.pending {
		if err := s.pc.AddICECandidate(c); err != nil {
			s.log.Warn("add queued remote candidate", "err", err)
		}
	}
	s.pending = nil
	if desc.Type == webrtc.SDPTypeAnswer {
		return s.checkCodec(ctx)
	}
	answer, err := s.pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("create answer: %w", err)
	}
	if err := s.pc.SetLocalDescription(answer); err != nil {
		return fmt.Errorf("set local answer: %w", err)
	}
	if err := s.sendSDP(ctx, answer); err != nil {
		return err
	}
	return s.checkCodec(ctx)
}

// checkCodec falls back to the other codec when the viewer did not accept the
// configured one (e.g. a browser without H.264).
func (s *session) checkCodec(ctx context.Context) error {
	if s.negotiated(s.format.Codec) {
		return nil
	}
	for _, c := range []string{CodecVP8, CodecH264} {
		if c == s.format.Codec || !s.negotiated(c) {
			continue
		}
		f := s.format
		f.Codec = c
		if CheckFormat(s.src, f) != nil {
			continue
		}
		s.log.Warn("viewer did not accept the codec; falling back", "codec", s.format.Codec, "fallback", c)
		return s.handleRequest(ctx, protocol.FormatRequest{Codec: c})
	}
	s.log.Warn("no codec of this source was negotiated; the viewer will get no video", "codec", s.format.Codec)
	return nil
}

func (s *session) offer(ctx context.Context) error {
	offer, err := s.pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("create offer: %w", err)
	}
	if err := s.pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("set local offer: %w", err)
	}
	return s.sendSDP(ctx, offer)
}

func (s *session) sendSDP(ctx context.Context, d webrtc.SessionDescription) error {
	payload, err := protocol.EncodePayload(protocol.Payload{SDP: &protocol.SessionDescription{Type: d.Type.String(), SDP: d.SDP}})
	if err != nil {
		return err
	}
	if err := s.signal(ctx, payload); err != nil {
		return fmt.Errorf("send %s: %w", d.Type, err)
	}
	return nil
}

func (s *session) sendCandidate(ctx context.Context, c *webrtc.ICECandidate) error {
	var payload json.RawMessage
	if c == nil {
		payload = protocol.EndOfCandidatesPayload()
	} else {
		init := c.ToJSON()
		var err error
		payload, err = protocol.CandidatePayload(protocol.ICECandidate{
			Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex, UsernameFragment: init.UsernameFragment,
		})
		if err != nil {
			return err
		}
	}
	if err := s.signal(ctx, payload); err != nil {
		return fmt.Errorf("send candidate: %w", err)
	}
	return nil
}

// startStream runs the source into the track until stopStream.
func (s *session) startStream() {
	s.stopStream()
	s.streamGen++
	gen := s.streamGen
	ctx, cancel := context.WithCancel(context.Background())
	s.streamCancel = cancel
	f, track, keyFrames := s.format, s.track, s.keyFrames
	// Drop a key frame request left over from before: the new stream starts with one.
	select {
	case <-keyFrames:
	default:
	}
	s.metrics.SetFormat(f, s.srcName)
	started := time.Now()
	var once sync.Once
	_, selfCounting := s.src.(FrameCounter)
	write := func(sample media.Sample) error {
		picture := sample.Duration > 0
		if picture && !selfCounting {
			s.metrics.FrameCaptured()
			s.metrics.FrameEncoded(0)
		}
		if err := track.WriteSample(sample); err != nil {
			s.metrics.FramesDropped(1)
			return fmt.Errorf("write sample: %w", err)
		}
		s.metrics.SampleSent(len(sample.Data), picture)
		once.Do(func() {
			s.log.Debug("first frame sent", "after_stream_start", time.Since(started).Round(time.Millisecond))
		})
		return nil
	}
	s.streamWG.Add(1)
	go func() {
		defer s.streamWG.Done()
		var err error
		if ks, ok := s.src.(KeyFrameStreamer); ok {
			err = ks.StreamKeyFrames(ctx, f, keyFrames, write)
		} else {
			err = s.src.Stream(ctx, f, write)
		}
		if ctx.Err() != nil {
			err = nil
		} else if err == nil {
			err = errors.New("source ended")
		}
		s.inbox.put(streamEnded{gen: gen, err: err})
	}()
}

// stopStream cancels the running source and waits for it.
func (s *session) stopStream() {
	if s.streamCancel != nil {
		s.streamCancel()
		s.streamCancel = nil
	}
	s.streamWG.Wait()
}
