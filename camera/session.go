package camera

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
	"golang.org/x/time/rate"

	"echtzeit/signaling/protocol"
)

// streamRetryDelay is the wait before a failed source is started again while the
// viewer is still connected.
const streamRetryDelay = 2 * time.Second

// signalFunc queues a signal payload for the session's viewer; urgent ones go
// before the viewer's other queued signals. It never blocks (the pacer sends).
type signalFunc func(payload json.RawMessage, urgent bool) error

// Events in a session's mailbox.
type (
	remoteSignal   struct{ payload protocol.Payload }
	localCandidate struct{ c *webrtc.ICECandidate } // nil: gathering complete
	peerState      struct{ s webrtc.PeerConnectionState }
	setupDeadline  struct{}
	gatherDeadline struct{ gen int } // Limits.GatherWindow after a local description
)

// session is one WebRTC PeerConnection to one viewer (thesis §4.6.2, state 2). One
// goroutine (run) owns all its fields; pion's callbacks, timers and the source
// only post events to the mailbox. The negotiation half (negotiation.go) and the
// stream half (stream.go) are methods of the same goroutine.
type session struct {
	viewer  protocol.ParticipantID
	offerer bool // the camera was in the room first and offers (§4.4.2)
	api     *API
	ice     webrtc.Configuration
	src     EncodedSource
	srcName string
	signal  signalFunc
	log     *slog.Logger
	metrics *Metrics
	limits  Limits
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
	connected bool
	// up: connected, for the registry's goroutine and the stream's: frames
	// are written to the track only then (a warm-started stream's earlier
	// frames are discarded).
	up       atomic.Bool
	setup    *time.Timer
	requests *rate.Limiter

	negotiation // negotiation.go

	fan    *fanOut
	sub    *subscription // while connected (or warm)
	rtcpWG sync.WaitGroup
	ad     sessionAdapt // session_adapt.go

	started time.Time
}

type sessionConfig struct {
	viewer  protocol.ParticipantID
	tag     string // the viewer's log tag (logIDs)
	offerer bool
	api     *API
	ice     webrtc.Configuration
	fan     *fanOut
	src     EncodedSource
	srcName string
	format  Format
	signal  signalFunc
	log     *slog.Logger
	metrics *Metrics
	limits  Limits

	degradation Degradation
}

func newSession(cfg sessionConfig) *session {
	return &session{
		viewer:   cfg.viewer,
		offerer:  cfg.offerer,
		api:      cfg.api,
		ice:      cfg.ice,
		fan:      cfg.fan,
		src:      cfg.src,
		srcName:  cfg.srcName,
		format:   cfg.format,
		signal:   cfg.signal,
		log:      cfg.log.With("viewer", cfg.tag),
		metrics:  cfg.metrics,
		limits:   cfg.limits,
		inbox:    newMailbox(),
		requests: rate.NewLimiter(rate.Limit(cfg.limits.RequestRate), cfg.limits.RequestBurst),
		started:  time.Now(),

		degradation: cfg.degradation,
	}
}

// deliver hands a signal from the viewer to the session without blocking. It
// reports false when the viewer's signals waiting in the mailbox are at
// Limits.MaxQueuedSignals: the caller ends the session (ErrSignalFlood).
func (s *session) deliver(p protocol.Payload) bool {
	return s.inbox.putBounded(remoteSignal{p}, s.limits.MaxQueuedSignals)
}

// run sets up the PeerConnection and serves it until ctx is cancelled (the viewer
// left, or the camera stops), the connection fails or the viewer breaks a bound.
// It always closes the PeerConnection and stops the source before returning.
func (s *session) run(ctx context.Context) (err error) {
	s.ctx = ctx
	defer func() { err = errors.Join(err, s.teardown()) }()
	// Once the session is cancelled its own errors are consequences (its
	// signals are refused by the pacer): the cause is the reason.
	ended := func(err error) error {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return err
	}
	if err := s.open(); err != nil {
		return ended(err)
	}
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-s.inbox.ready:
		}
		for _, ev := range s.inbox.drain() {
			if err := s.handle(ev); err != nil {
				return ended(err)
			}
		}
	}
}

// open makes the PeerConnection, arms the setup deadline and, when the camera
// offers, starts the offer.
func (s *session) open() error {
	pc, est, err := s.api.newPeerConnection(s.ice, maxBitrate(s.format))
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
	s.setup = time.AfterFunc(s.limits.SetupTimeout, func() { s.inbox.put(setupDeadline{}) })
	if s.offerer {
		s.warmStart() // the encoder starts while the offer is made and answered
		return s.offer()
	}
	return nil
}

func (s *session) teardown() error {
	for _, t := range []*time.Timer{s.setup, s.gatherTimer} {
		if t != nil {
			t.Stop()
		}
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

func (s *session) handle(ev any) error {
	switch ev := ev.(type) {
	case remoteSignal:
		return s.handleSignal(ev.payload)
	case localCandidate:
		return s.localCandidate(ev.c)
	case gatherDeadline:
		if ev.gen == s.heldGen {
			return s.sendHeldSDP("gather window over")
		}
	case peerState:
		return s.handleState(ev.s)
	case setupDeadline:
		if !s.connected {
			return fmt.Errorf("%w: %v after the session started", ErrSetupTimeout, s.limits.SetupTimeout)
		}
	case keyFrameRequest:
		s.requestKeyFrame()
	case estimateChanged:
		s.onEstimate()
	case adaptTick:
		s.onAdaptTick()
	case rttChanged:
		s.onRTT()
	case rampTick:
		s.onRampTick()
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
			s.up.Store(true)
			s.setup.Stop()
			s.log.Info("viewer connected", "format", s.format.String(), "after", time.Since(s.started).Round(time.Millisecond))
			s.beginRamp()
			if s.sub != nil {
				// Warm (stream.go, warmStart): subscribed while ICE and DTLS
				// were under way; from now on it gets frames, from a key frame
				// asked for now (FIELD-NOTES "slow first frame").
				s.seedRTT()
				s.sub.activate()
			} else {
				// Subscribed only now, from a key frame on (a new encoder
				// starts with one).
				s.startStream()
			}
		}
	case webrtc.PeerConnectionStateFailed:
		return fmt.Errorf("%w: state %s", ErrPeerFailed, st)
	case webrtc.PeerConnectionStateClosed:
		return fmt.Errorf("%w: closed", ErrPeerFailed)
	}
	return nil
}
