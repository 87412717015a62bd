package webui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
	"echtzeit/harness/phase"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// dialPeer connects a Go participant (the role a camera plays) to srv.
func dialPeer(ctx context.Context, t *testing.T, srv *signalingtest.Server) *client.Client {
	t.Helper()
	c, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// nextSignal returns the payload of the next Room/Signal, skipping other messages.
func nextSignal(ctx context.Context, t *testing.T, c *client.Client) (protocol.ParticipantID, protocol.Payload) {
	t.Helper()
	for {
		m, err := c.Receive(ctx)
		require.NoError(t, err)
		if rs, ok := m.(protocol.RoomSignal); ok {
			p, err := protocol.DecodePayload(rs.Signal)
			require.NoError(t, err)
			return rs.From, p
		}
	}
}

// TestRequestBeforeAnswer: a viewer that joins a camera's room sends the
// request signal of its URL first (the camera offers afterwards).
func TestRequestBeforeAnswer(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 150*time.Second)
	room := protocol.NewRoomID()
	camera := dialPeer(ctx, t, srv)
	_, err := camera.Join(ctx, room)
	require.NoError(t, err)

	page := openPage(ctx, t, srv, roomPath(room, "&request=1280x720@30&codec=vp8"))
	snap, err := page.Snapshot(ctx)
	require.NoError(t, err)
	from, p := nextSignal(ctx, t, camera)
	assert.Equal(t, protocol.ParticipantID(*snap.ID), from)
	require.NotNil(t, p.Request, "first signal is the request")
	assert.Equal(t, protocol.FormatRequest{Width: 1280, Height: 720, FPS: 30, Codec: "vp8"}, *p.Request)

	// An error from the camera is shown to the person.
	payload, err := protocol.EncodePayload(protocol.Payload{Error: &protocol.Error{Code: "unsupported-format", Message: "no 1280x720 here"}})
	require.NoError(t, err)
	require.NoError(t, camera.Signal(ctx, from, payload))
	require.NoError(t, page.WaitFor(ctx, `!document.getElementById("error").hidden`, 10*time.Second, dump))
	text, err := browser.Eval[string](ctx, page, `document.getElementById("error").textContent`)
	require.NoError(t, err)
	assert.Contains(t, text, "no 1280x720 here")
}

// TestOfferFromFirstParticipant: a viewer that was in the room first sends
// the request, then an offer with a receive-only video section that prefers
// the requested codec, then its candidates and the end of candidates.
func TestOfferFromFirstParticipant(t *testing.T) {
	for _, codec := range []string{"vp8", "h264"} {
		t.Run(codec, func(t *testing.T) {
			srv := startServer(t)
			ctx := testContext(t, 150*time.Second)
			room := protocol.NewRoomID()
			page := openPage(ctx, t, srv, roomPath(room, "&request=640x480@15&codec="+codec))
			require.NoError(t, page.WaitFor(ctx, `window.echtzeit.snapshot().state === "joined"`, 20*time.Second, dump))

			camera := dialPeer(ctx, t, srv)
			_, err := camera.Join(ctx, room)
			require.NoError(t, err)

			_, p := nextSignal(ctx, t, camera)
			require.NotNil(t, p.Request)
			assert.Equal(t, protocol.FormatRequest{Width: 640, Height: 480, FPS: 15, Codec: codec}, *p.Request)

			_, p = nextSignal(ctx, t, camera)
			require.NotNil(t, p.SDP, "then the offer")
			assert.Equal(t, "offer", p.SDP.Type)
			video := mediaSection(p.SDP.SDP, "video")
			require.NotEmpty(t, video, "offer has a video section")
			assert.Contains(t, video, "a=recvonly")
			assert.Equal(t, strings.ToUpper(codec), firstCodec(video), "requested codec first")

			sawCandidate := false
			for {
				_, p = nextSignal(ctx, t, camera)
				if p.IsEndOfCandidates() {
					break
				}
				c, ok, err := p.ICECandidate()
				require.NoError(t, err)
				require.True(t, ok, "a candidate")
				assert.NotEmpty(t, c.Candidate)
				sawCandidate = true
			}
			assert.True(t, sawCandidate, "candidates before the end of candidates")

			snap, err := page.Snapshot(ctx)
			require.NoError(t, err)
			assert.Equal(t, "negotiating", snap.State)
			assert.NotNil(t, snap.Phases.Get(phase.Offer))
			assert.Nil(t, snap.Phases.Get(phase.Answer))
		})
	}
}

// mediaSection returns the m= section of kind in sdp.
func mediaSection(sdp, kind string) string {
	for _, sec := range strings.Split(sdp, "\r\nm=")[1:] {
		if strings.HasPrefix(sec, kind+" ") {
			return "m=" + sec
		}
	}
	return ""
}

// firstCodec returns the encoding name of the first payload type of an m= section.
func firstCodec(section string) string {
	line, _, _ := strings.Cut(section, "\r\n")
	f := strings.Fields(line)
	if len(f) < 4 {
		return ""
	}
	prefix := fmt.Sprintf("a=rtpmap:%s ", f[3])
	for _, l := range strings.Split(section, "\r\n") {
		if rest, ok := strings.CutPrefix(l, prefix); ok {
			name, _, _ := strings.Cut(rest, "/")
			return strings.ToUpper(name)
		}
	}
	return ""
}

// trackSockets records the page's WebSockets in window.__sockets.
const trackSockets = `(() => {
	const WS = window.WebSocket;
	window.__sockets = [];
	window.WebSocket = function (...args) { const ws = new WS(...args); window.__sockets.push(ws); return ws; };
	window.WebSocket.prototype = WS.prototype;
	Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();`

// TestReconnect: when the signaling socket drops, the page reconnects with
// a new participant ID, joins its room again and streams again.
func TestReconnect(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 180*time.Second)
	room := protocol.NewRoomID()

	openPage(ctx, t, srv, roomPath(room, "&send=camera&width=320&height=240"))
	viewer := chromium.Page(t)
	require.NoError(t, viewer.AddInitScript(ctx, trackSockets))
	require.NoError(t, viewer.Navigate(ctx, srv.URL+roomPath(room, "")))
	waitStreaming(ctx, t, viewer, 320, 240)
	first, err := viewer.Snapshot(ctx)
	require.NoError(t, err)

	require.NoError(t, viewer.Do(ctx, `window.__sockets[window.__sockets.length - 1].close()`))
	require.NoError(t, viewer.WaitFor(ctx, `window.__sockets.length >= 2 && window.echtzeit.snapshot().id !== null`, 20*time.Second, dump))
	snap := waitStreaming(ctx, t, viewer, 320, 240)
	assert.NotEqual(t, *first.ID, *snap.ID, "a new participant ID")
	assert.Equal(t, string(room), *snap.Room, "the same room")
	assert.Greater(t, snap.Session, first.Session)
	requirePhasesOrdered(t, snap)
}
