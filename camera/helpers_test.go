package camera_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/camera/softenc"
	"echtzeit/camera/synthetic"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
)

// loopbackOnly keeps every test's media on loopback, even outside a namespace.
func loopbackOnly(ip net.IP) bool { return ip.IsLoopback() }

// testLogger logs to the test's output (the server's logs in these tests).
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// runningCamera is a Camera running in the background of a test.
type runningCamera struct {
	metrics *camera.Metrics
	mu      sync.Mutex
	states  []camera.State
}

func (r *runningCamera) onState(s camera.State) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, s)
}

// count returns how often the camera entered s.
func (r *runningCamera) count(s camera.State) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, st := range r.states {
		if st == s {
			n++
		}
	}
	return n
}

// startCamera runs a synthetic camera in room until the test ends.
// The encoders are those of cmd/camera's defaults (own libvpx binding at cpu-used
// -6, own x264 binding) unless encOpts says otherwise; an empty, non-nil encOpts
// selects mediadevices' encoders.
func startCamera(t *testing.T, wsURL string, opts []client.Option, room protocol.RoomID, f camera.Format, encOpts ...softenc.Option) *runningCamera {
	t.Helper()
	return startCameraWith(t, cameraSetup{wsURL: wsURL, opts: opts, room: room, format: f, encOpts: encOpts})
}

// cameraSetup is what startCameraWith needs; zero limits are the defaults.
type cameraSetup struct {
	wsURL   string
	opts    []client.Option
	room    protocol.RoomID
	format  camera.Format
	limits  camera.Limits
	encOpts []softenc.Option
}

// startCameraWith runs a synthetic camera as set up until the test ends. Its log
// goes to the test's output and is checked at the end for secrets: no room ID
// (or any other 64-hex string) may appear in it (issue #14).
func startCameraWith(t *testing.T, cs cameraSetup) *runningCamera {
	t.Helper()
	rc := &runningCamera{metrics: camera.NewMetrics()}
	logs := &secretCheck{}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), logs), &slog.HandlerOptions{Level: slog.LevelInfo})).With("part", "camera")
	t.Cleanup(func() { logs.check(t) })
	encOpts := cs.encOpts
	if encOpts == nil {
		encOpts = []softenc.Option{softenc.WithVP8Tuning(-6, 1), softenc.WithH264Tuning("veryfast", 0)}
	}
	src, err := softenc.New(synthetic.Source{}, cs.format.Codec, log, rc.metrics, encOpts...)
	require.NoError(t, err)
	api, err := camera.NewAPI(camera.APIOptions{
		ICELoopback: camera.LoopbackOn, IPFilter: loopbackOnly, Logger: log, Metrics: rc.metrics,
		ICEDisconnectedTimeout: time.Second, ICEFailedTimeout: 3 * time.Second,
	})
	require.NoError(t, err)
	return runCamera(t, rc, camera.Config{
		SignalingURL: cs.wsURL, ClientOptions: cs.opts, Room: cs.room,
		Source: src, SourceName: "synthetic", Format: cs.format, API: api,
		// The tests check the size they asked for, also on a busy machine
		// where the estimate can fall: only the frame rate may give.
		Degradation: camera.DegradationMaintainResolution,
		Backoff:     &camera.Backoff{Min: 100 * time.Millisecond, Max: time.Second},
		Logger:      log, Metrics: rc.metrics, OnState: rc.onState, Limits: cs.limits,
	})
}

// runCamera runs a camera with cfg until the test ends.
func runCamera(t *testing.T, rc *runningCamera, cfg camera.Config) *runningCamera {
	t.Helper()
	cam, err := camera.New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cam.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("camera Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("camera Run did not return 10 s after cancellation")
		}
	})
	return rc
}

// hex64 matches a room ID, or any 256-bit hex secret.
var hex64 = regexp.MustCompile(`[0-9a-fA-F]{64}`)

// secretCheck collects a log and fails the test if it holds a 64-hex string.
type secretCheck struct {
	mu    sync.Mutex
	lines int
	found []string
}

func (s *secretCheck) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines++
	if m := hex64.Find(p); m != nil && len(s.found) < 5 {
		s.found = append(s.found, string(p))
	}
	return len(p), nil
}

func (s *secretCheck) check(t *testing.T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Empty(t, s.found, "the camera's log (%d lines) holds a 64-hex string (a room ID?)", s.lines)
}

// pionViewer is a minimal viewer built on pion: it joins the room, negotiates in
// whichever role the protocol gives it, and counts the frames it receives.
type pionViewer struct {
	t  *testing.T
	cl *client.Client
	pc *webrtc.PeerConnection

	frames    atomic.Int64
	codec     atomic.Value // string
	errs      chan protocol.Error
	remoteSet bool
	pending   []webrtc.ICECandidateInit
	peer      atomic.Value // protocol.ParticipantID: the camera, once known
	joinedTo  bool         // the room had participants when the viewer joined

	done chan struct{}
}

// joinViewer joins room as a pion viewer. request, when set, is sent to the camera
// before the offer (the viewer was in the room first) or right after joining.
func joinViewer(ctx context.Context, t *testing.T, wsURL string, opts []client.Option, room protocol.RoomID, request *protocol.FormatRequest) *pionViewer {
	t.Helper()
	cl, err := client.Dial(ctx, wsURL, opts...)
	require.NoError(t, err)
	m := &webrtc.MediaEngine{}
	require.NoError(t, m.RegisterDefaultCodecs())
	reg := &interceptor.Registry{}
	require.NoError(t, webrtc.RegisterDefaultInterceptors(m, reg))
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(loopbackOnly)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	require.NoError(t, err)
	_, err = pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	require.NoError(t, err)
	v := &pionViewer{t: t, cl: cl, pc: pc, errs: make(chan protocol.Error, 4), done: make(chan struct{})}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		v.codec.Store(tr.Codec().MimeType)
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if p.Marker {
				v.frames.Add(1)
			}
		}
	})
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		var payload json.RawMessage
		if c == nil {
			payload = protocol.EndOfCandidatesPayload()
		} else {
			init := c.ToJSON()
			payload, _ = protocol.CandidatePayload(protocol.ICECandidate{Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex})
		}
		_ = cl.Signal(context.Background(), v.camera(), payload)
	})
	joined, err := cl.Join(ctx, room)
	require.NoError(t, err)
	v.joinedTo = len(joined.Peers) > 0
	if request != nil && len(joined.Peers) > 0 {
		v.sendRequest(ctx, *request)
	}
	go v.loop(request)
	t.Cleanup(v.close)
	return v
}

// camera is the participant the viewer talks to ("" = everyone, until known).
func (v *pionViewer) camera() protocol.ParticipantID {
	id, _ := v.peer.Load().(protocol.ParticipantID)
	return id
}

func (v *pionViewer) sendRequest(ctx context.Context, r protocol.FormatRequest) {
	p, err := protocol.EncodePayload(protocol.Payload{Request: &r})
	require.NoError(v.t, err)
	require.NoError(v.t, v.cl.Signal(ctx, v.camera(), p))
}

func (v *pionViewer) sendSDP(d webrtc.SessionDescription) error {
	p, err := protocol.EncodePayload(protocol.Payload{SDP: &protocol.SessionDescription{Type: d.Type.String(), SDP: d.SDP}})
	if err != nil {
		return err
	}
	return v.cl.Signal(context.Background(), v.camera(), p)
}

// loop serves the viewer's signaling until its connection closes.
func (v *pionViewer) loop(request *protocol.FormatRequest) {
	defer close(v.done)
	ctx := context.Background()
	for {
		m, err := v.cl.Receive(ctx)
		if err != nil {
			return
		}
		switch m := m.(type) {
		case protocol.RoomJoin:
			// The viewer was first: it offers to the camera, after its request.
			// A viewer that joined a room with participants ignores later
			// arrivals (other viewers of a fan-out room).
			if v.joinedTo || v.camera() != "" {
				continue
			}
			v.peer.Store(m.ID)
			if request != nil {
				p, _ := protocol.EncodePayload(protocol.Payload{Request: request})
				_ = v.cl.Signal(ctx, m.ID, p)
			}
			offer, err := v.pc.CreateOffer(nil)
			if err == nil {
				err = v.pc.SetLocalDescription(offer)
			}
			if err == nil {
				err = v.sendSDP(offer)
			}
			if err != nil {
				v.t.Errorf("viewer offer: %v", err)
			}
		case protocol.RoomSignal:
			p, err := protocol.DecodePayload(m.Signal)
			if err != nil {
				v.t.Errorf("viewer: %v", err)
				continue
			}
			// The camera is whoever sends the first session description; in a
			// fan-out room other viewers' requests must not be mistaken for it.
			if v.camera() == "" && p.SDP != nil {
				v.peer.Store(m.From)
			}
			// A refused request may come before the camera's offer: the camera
			// answers it at once.
			if m.From != v.camera() && (v.camera() != "" || p.Error == nil) {
				continue
			}
			v.handle(p)
		}
	}
}

func (v *pionViewer) handle(p protocol.Payload) {
	switch {
	case p.Error != nil:
		v.errs <- *p.Error
	case p.SDP != nil:
		typ := webrtc.NewSDPType(p.SDP.Type)
		if err := v.pc.SetRemoteDescription(webrtc.SessionDescription{Type: typ, SDP: p.SDP.SDP}); err != nil {
			v.t.Errorf("viewer set remote: %v", err)
			return
		}
		v.remoteSet = true
		for _, c := range v.pending {
			_ = v.pc.AddICECandidate(c)
		}
		v.pending = nil
		if typ == webrtc.SDPTypeOffer {
			answer, err := v.pc.CreateAnswer(nil)
			if err == nil {
				err = v.pc.SetLocalDescription(answer)
			}
			if err == nil {
				err = v.sendSDP(answer)
			}
			if err != nil {
				v.t.Errorf("viewer answer: %v", err)
			}
		}
	case len(p.Candidate) > 0 && !p.IsEndOfCandidates():
		c, ok, err := p.ICECandidate()
		if err != nil || !ok {
			v.t.Errorf("viewer: bad candidate %s: %v", p.Candidate, err)
			return
		}
		init := webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex}
		if !v.remoteSet {
			v.pending = append(v.pending, init)
			return
		}
		if err := v.pc.AddICECandidate(init); err != nil {
			v.t.Errorf("viewer add candidate: %v", err)
		}
	}
}

// waitFrames waits until the viewer has received n frames.
func (v *pionViewer) waitFrames(ctx context.Context, n int64) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for v.frames.Load() < n {
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), fmt.Errorf("viewer got %d frames", v.frames.Load()))
		case <-tick.C:
		}
	}
	return nil
}

// close leaves: closing the signaling connection makes the server send Room/Leave.
func (v *pionViewer) close() {
	_ = v.cl.Close()
	<-v.done
	_ = v.pc.Close()
}
