package camera

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/protocol"
)

// idleSource is a source for the fuzz target: sessions there never connect, so
// it never streams.
type idleSource struct{}

func (idleSource) Codec() string { return CodecVP8 }
func (idleSource) Stream(ctx context.Context, _ Format, _ func(media.Sample) error) error {
	<-ctx.Done()
	return ctx.Err()
}
func (idleSource) SupportsFormat(f Format) error {
	if f.Width > 1920 || f.Height > 1080 || f.FPS > 60 {
		return ErrUnsupportedFormat
	}
	return nil
}

// maxFuzzSignals is the number of signals one fuzz input may carry.
const maxFuzzSignals = 16

// FuzzSessionSignal feeds a viewer's signals to a session, the way the camera
// receives them: each line of data is the signal object of a Room/Signal, decoded
// with protocol.DecodePayload and handled by the session goroutine's handler, in
// both roles (the camera offers first, or answers). The session must never
// panic, must end only for a reason it reports (an end reason other than
// "error"), must hold no more remote candidates than its limits allow, and
// everything it sends must be a payload the viewer can decode. No network is
// used: the PeerConnection gathers no candidates.
//
// Seeds (testdata/fuzz/FuzzSessionSignal): signals of Chromium 156 (the page's
// offer, candidates, request; captured from interface/static/app.js talking to
// a Go participant), pion answers to the camera's offer, the page's requests,
// end of candidates, errors, and broken forms of each.
func FuzzSessionSignal(f *testing.F) {
	f.Add(true, []byte(`{"candidate":null}`))
	f.Add(false, []byte(`{"request":{"width":640,"height":480,"fps":30,"codec":"h264"}}`))
	f.Fuzz(fuzzBody)
}

// drainEvents handles what is in the mailbox (the fuzz target's stand-in for
// run's loop) and returns the error that would end the session. While a local
// description waits for gathering it waits for pion's end-of-gathering event,
// so that the description is sent as in a real session.
func (s *session) drainEvents() error {
	for {
		evs := s.inbox.drain()
		if len(evs) == 0 {
			if !s.held {
				return nil
			}
			select {
			case <-s.inbox.ready:
			case <-time.After(time.Second):
				return errors.New("no end-of-gathering event within a second")
			}
			continue
		}
		for _, ev := range evs {
			if err := s.handle(ev); err != nil {
				return err
			}
		}
	}
}

var (
	fuzzAPI    = mustFuzzAPI()
	fuzzLimits = testLimits(func(l *Limits) {
		l.MaxRemoteCandidates, l.MaxCandidateBytes, l.RequestBurst = 4, 4096, 3
	})
	fuzzLog = slog.New(slog.NewTextHandler(io.Discard, nil))
)

func mustFuzzAPI() *API {
	api, err := NewAPI(APIOptions{IPFilter: func(net.IP) bool { return false }})
	if err != nil {
		panic(err)
	}
	return api
}

// fuzzBody is one input of FuzzSessionSignal.
func fuzzBody(t *testing.T, offerer bool, data []byte) {
	var sent []json.RawMessage
	s := newSession(sessionConfig{
		viewer: "viewer", tag: "t", offerer: offerer, api: fuzzAPI, src: idleSource{}, srcName: "idle",
		format: Format{Width: 320, Height: 180, FPS: 30, Codec: CodecVP8}, log: fuzzLog, limits: fuzzLimits,
		signal: func(p json.RawMessage, _ bool) error {
			sent = append(sent, p)
			return nil
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.ctx = ctx
	defer func() { _ = s.teardown() }()
	require.NoError(t, s.open())
	err := s.drainEvents()
	for i, line := range bytes.SplitN(data, []byte("\n"), maxFuzzSignals) {
		if err != nil {
			break
		}
		p, derr := protocol.DecodePayload(line)
		if derr != nil {
			continue // the registry drops it
		}
		if !s.deliver(p) {
			t.Fatalf("signal %d: mailbox full", i)
		}
		err = s.drainEvents()
	}
	if err != nil {
		if r := endReasonOf(err); r == EndError || r == EndUnknown {
			t.Fatalf("session ended without a reason: %v", err)
		}
	}
	require.LessOrEqual(t, len(s.pending), fuzzLimits.MaxRemoteCandidates)
	if offerer && err == nil {
		require.NotEmpty(t, sent, "the camera offers")
		first, derr := protocol.DecodePayload(sent[0])
		require.NoError(t, derr)
		require.True(t, first.SDP != nil || first.Error != nil, "the offer (or a refusal) comes first: %s", sent[0])
	}
	for _, p := range sent {
		got, err := protocol.DecodePayload(p)
		require.NoError(t, err, "sent %s", p)
		if got.Error != nil {
			require.LessOrEqual(t, len(got.Error.Message), 256, "a refusal quotes at most 200 bytes of the request")
		}
	}
}
