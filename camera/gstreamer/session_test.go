package gstreamer

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/signaling/protocol"
)

// fakePeer records what a session asks of its pipeline; it needs no GStreamer.
type fakePeer struct {
	mu         sync.Mutex
	desc       string
	events     func(any)
	started    bool
	remote     []string // "offer:SDP" / "answer:SDP"
	candidates []string
	formats    [][3]int
	pushed     int
	bitrates   []int
	stopped    bool
	closed     bool
}

func (f *fakePeer) Start() error { f.mu.Lock(); f.started = true; f.mu.Unlock(); return nil }
func (f *fakePeer) CreateSDP(offer bool) (string, error) {
	if offer {
		return "v=0 local offer", nil
	}
	return "v=0 local answer", nil
}
func (f *fakePeer) SetRemote(offer bool, sdp string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	kind := "answer"
	if offer {
		kind = "offer"
	}
	f.remote = append(f.remote, kind+":"+sdp)
	return nil
}
func (f *fakePeer) AddCandidate(_ uint16, c string) {
	f.mu.Lock()
	f.candidates = append(f.candidates, c)
	f.mu.Unlock()
}
func (f *fakePeer) SetFormat(w, h, fps int) error {
	f.mu.Lock()
	f.formats = append(f.formats, [3]int{w, h, fps})
	f.mu.Unlock()
	return nil
}
func (f *fakePeer) PushI420(*image.YCbCr) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return ErrFlushing
	}
	f.pushed++
	return nil
}
func (f *fakePeer) SetBitrate(_ string, v int) error {
	f.mu.Lock()
	f.bitrates = append(f.bitrates, v)
	f.mu.Unlock()
	return nil
}
func (f *fakePeer) ForceKeyFrame()  {}
func (f *fakePeer) Drain() counters { return counters{} }
func (f *fakePeer) Stop()           { f.mu.Lock(); f.stopped = true; f.mu.Unlock() }
func (f *fakePeer) Close()          { f.mu.Lock(); f.closed = true; f.mu.Unlock() }

// harness of one session with fake pipelines and a recording signal function.
type sessionRig struct {
	t       *testing.T
	s       *session
	mu      sync.Mutex
	peers   []*fakePeer
	signals []protocol.Payload
	done    chan error
	cancel  context.CancelCauseFunc
}

const offerSDP = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 120 121\r\na=rtpmap:120 VP8/90000\r\na=rtpmap:121 H264/90000\r\na=fmtp:121 packetization-mode=1;profile-level-id=42e01f\r\n"

func newRig(t *testing.T, offerer bool, f camera.Format) *sessionRig {
	rig := &sessionRig{t: t, done: make(chan error, 1)}
	rig.s = newSession(sessionConfig{
		viewer: protocol.ParticipantID(strings.Repeat("ab", 16)), offerer: offerer,
		pipeline: PipelineConfig{Source: SourceSynthetic, Format: f},
		signal: func(_ context.Context, p json.RawMessage) error {
			d, err := protocol.DecodePayload(p)
			require.NoError(t, err)
			rig.mu.Lock()
			rig.signals = append(rig.signals, d)
			rig.mu.Unlock()
			return nil
		},
		newPeer: func(desc string, _ []string, events func(any)) (peer, error) {
			p := &fakePeer{desc: desc, events: events}
			rig.mu.Lock()
			rig.peers = append(rig.peers, p)
			rig.mu.Unlock()
			return p, nil
		},
		log:     slog.New(slog.DiscardHandler),
		metrics: camera.NewMetrics(),
	})
	ctx, cancel := context.WithCancelCause(context.Background())
	rig.cancel = cancel
	go func() { rig.done <- rig.s.run(ctx) }()
	t.Cleanup(func() {
		cancel(ErrViewerLeft)
		select {
		case <-rig.done:
		case <-time.After(5 * time.Second):
			t.Error("session did not stop")
		}
	})
	return rig
}

// waitFor polls cond for up to 5 s.
func (r *sessionRig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		ok := cond()
		r.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.t.Fatalf("timed out waiting for %s", what)
}

func (r *sessionRig) sdps() []string {
	var out []string
	for _, p := range r.signals {
		if p.SDP != nil {
			out = append(out, p.SDP.Type)
		}
	}
	return out
}

func (r *sessionRig) post(ev any) { r.s.inbox.put(ev) }

func TestSessionOffersAndTakesTheAnswer(t *testing.T) {
	rig := newRig(t, true, camera.Format{Width: 320, Height: 180, FPS: 30, Codec: camera.CodecVP8})
	rig.waitFor("a pipeline", func() bool { return len(rig.peers) == 1 })
	p := rig.peers[0]
	assert.Contains(t, p.desc, "vp8enc name=enc deadline=1")
	// A candidate before the answer waits for it.
	c := `{"candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMLineIndex":0}}`
	pl, err := protocol.DecodePayload(json.RawMessage(c))
	require.NoError(t, err)
	rig.s.deliver(pl)
	rig.post(evNegotiationNeeded{})
	rig.post(evNegotiationNeeded{}) // a second one does not offer again
	rig.waitFor("the offer", func() bool { return len(rig.sdps()) == 1 })
	rig.s.deliver(protocol.Payload{SDP: &protocol.SessionDescription{Type: "answer", SDP: "v=0 remote"}})
	rig.post(evLocalCandidate{mline: 0, candidate: "candidate:2 1 udp 1 127.0.0.1 6000 typ host"})
	rig.post(evGatheringComplete{})
	rig.waitFor("the answer applied and the candidate added", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.remote) == 1 && len(p.candidates) == 1
	})
	rig.waitFor("candidate and end of candidates sent", func() bool { return len(rig.signals) == 3 })
	assert.Equal(t, []string{"offer"}, rig.sdps())
	assert.Equal(t, "answer:v=0 remote", p.remote[0])
	assert.True(t, rig.signals[2].IsEndOfCandidates())
	rig.post(evConnectionState{state: webrtc.PeerConnectionStateConnected})
	rig.waitFor("frames pushed", func() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.pushed > 2 })
	rig.post(evConnectionState{state: webrtc.PeerConnectionStateFailed})
	select {
	case err := <-rig.done:
		require.ErrorIs(t, err, ErrPeerFailed)
		rig.done <- err // for the cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("a failed connection did not end the session")
	}
	assert.True(t, p.closed, "the pipeline is freed")
}

func TestSessionAnswersWithTheRequestedFormatAndOfferedType(t *testing.T) {
	rig := newRig(t, false, camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecVP8})
	rig.s.deliver(protocol.Payload{Request: &protocol.FormatRequest{Width: 320, Height: 180, FPS: 15, Codec: "h264"}})
	rig.s.deliver(protocol.Payload{SDP: &protocol.SessionDescription{Type: "offer", SDP: offerSDP}})
	rig.waitFor("the answer", func() bool { return len(rig.sdps()) == 1 })
	require.Len(t, rig.peers, 1)
	p := rig.peers[0]
	assert.Equal(t, []string{"answer"}, rig.sdps())
	assert.Contains(t, p.desc, "x264enc", "the requested codec")
	assert.Contains(t, p.desc, "pt=121", "the offer's payload type")
	assert.Equal(t, [3]int{320, 180, 15}, p.formats[0])
	// A codec change once the pipeline exists is refused; a size change is not.
	rig.s.deliver(protocol.Payload{Request: &protocol.FormatRequest{Codec: "vp8"}})
	rig.waitFor("the refusal", func() bool { return len(rig.signals) == 2 })
	require.NotNil(t, rig.signals[1].Error)
	assert.Equal(t, camera.CodeUnsupportedFormat, rig.signals[1].Error.Code)
	rig.s.deliver(protocol.Payload{Request: &protocol.FormatRequest{Width: 640, Height: 360}})
	rig.waitFor("the new size", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.formats) == 2 && len(p.bitrates) == 1
	})
	assert.Equal(t, [3]int{640, 360, 15}, p.formats[1])
}

func TestSessionGlareAnswersTheViewersOffer(t *testing.T) {
	rig := newRig(t, true, camera.Format{Width: 320, Height: 180, FPS: 30, Codec: camera.CodecVP8})
	rig.waitFor("a pipeline", func() bool { return len(rig.peers) == 1 })
	rig.post(evNegotiationNeeded{})
	rig.waitFor("the offer", func() bool { return len(rig.sdps()) == 1 })
	rig.s.deliver(protocol.Payload{SDP: &protocol.SessionDescription{Type: "offer", SDP: offerSDP}})
	rig.waitFor("a second pipeline and the answer", func() bool { return len(rig.peers) == 2 && len(rig.sdps()) == 2 })
	assert.Equal(t, []string{"offer", "answer"}, rig.sdps())
	assert.True(t, rig.peers[0].closed, "the first pipeline was dropped")
	assert.Contains(t, rig.peers[1].desc, "pt=120")
	rig.post(evNegotiationNeeded{}) // the answerer does not offer
	time.Sleep(50 * time.Millisecond)
	rig.mu.Lock()
	assert.Len(t, rig.sdps(), 2)
	rig.mu.Unlock()
}

func TestSessionEndsOnPipelineError(t *testing.T) {
	rig := newRig(t, true, camera.Format{Width: 320, Height: 180, FPS: 30, Codec: camera.CodecVP8})
	rig.waitFor("a pipeline", func() bool { return len(rig.peers) == 1 })
	rig.post(evBus{kind: busWarning, text: "just a warning"})
	rig.post(evBus{kind: busError, text: "enc: could not initialize"})
	select {
	case err := <-rig.done:
		require.ErrorIs(t, err, ErrPipeline)
		assert.Contains(t, err.Error(), "could not initialize")
		rig.done <- err
	case <-time.After(5 * time.Second):
		t.Fatal("a bus error did not end the session")
	}
}

func TestSessionRefusesAnOfferWithoutItsCodecs(t *testing.T) {
	rig := newRig(t, false, camera.Format{Width: 320, Height: 180, FPS: 30, Codec: camera.CodecVP8})
	rig.s.deliver(protocol.Payload{SDP: &protocol.SessionDescription{Type: "offer", SDP: "v=0\r\nm=video 9 RTP/SAVPF 98\r\na=rtpmap:98 VP9/90000\r\n"}})
	select {
	case err := <-rig.done:
		require.True(t, errors.Is(err, ErrNoCodec), "got %v", err)
		rig.done <- err
	case <-time.After(5 * time.Second):
		t.Fatal("an offer without VP8 or H.264 did not end the session")
	}
}
