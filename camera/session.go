package camera

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

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
	api     *API
	src     EncodedSource
	srcName string
	signal  signalFunc
	log     *slog.Logger
	metrics *Metrics
	// degradation is what the stream gives up below the bitrate its format
	// needs (degrade.go).
	degradation Degradation

	inbox *mailbox
	// ctx is the session's lifetime (set by run): the stream's context derives
	// from it, so a cancelled session stops its source even before teardown.
	ctx context.Context

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
	ad           sessionAdapt // session_adapt.go

	started time.Time
}

type sessionConfig struct {
	viewer  protocol.ParticipantID
	offerer bool
	api     *API
	src     EncodedSource
	srcName string
	format  Format
	signal  signalFunc
	log     *slog.Logger
	metrics *Metrics

	degradation Degradation
}

func newSession(cfg sessionConfig) *session {
	return &session{
		viewer:    cfg.viewer,
		offerer:   cfg.offerer,
		api:       cfg.api,
		src:       cfg.src,
		srcName:   cfg.srcName,
		format:    cfg.format,
		signal:    cfg.signal,
		log:       cfg.log.With("viewer", cfg.viewer),
		metrics:   cfg.metrics,
		inbox:     newMailbox(),
		keyFrames: make(chan struct{}, 1),
		started:   time.Now(),

		degradation: cfg.degradation,
	}
}

// deliver hands a signal from the viewer to the session; it never blocks.
func (s *session) deliver(p protocol.Payload) { s.inbox.put(remoteSignal{p}) }

// run sets up the PeerConnection and serves it until ctx is cancelled (the viewer
// left, or the camera stops) or the connection fails. It always closes the
// PeerConnection and stops the source before returning.
func (s *session) run(ctx context.Context) (err error) {
	s.ctx = ctx
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
	pc, est, err := s.api.newPeerConnection(webrtc.Configuration{}, maxBitrate(s.format))
	if err != nil {
		return fmt.Errorf("new peer connection: %w", err)
	}
	s.pc = pc
	s.setupAdaptation(est)
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

func (s *session) teardown() error {
	if s.retry != nil {
		s.retry.Stop()
	}
	s.stopAdaptation()
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
		s.streamStopped(ev)
	case restartStream:
		s.restartStream(ev)
	case estimateChanged:
		s.onEstimate()
	case adaptTick:
		s.onAdaptTick()
	}
	return nil
}

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
