package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gorilla/websocket"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// testCtx bounds a test's time.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(ctx context.Context, t testing.TB, srv *signalingtest.Server) *client.Client {
	t.Helper()
	c, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func receive[M protocol.Message](ctx context.Context, t testing.TB, c *client.Client) M {
	t.Helper()
	m, err := c.Receive(ctx)
	require.NoError(t, err)
	got, ok := m.(M)
	require.Truef(t, ok, "got %T %+v, want %T", m, m, *new(M))
	return got
}

// TestThesisFlow walks the thesis's flow (§4.4.2): Hello, JoinOrCreate, Joined,
// Room/Join to the first participant, signals relayed both ways with from, and
// Room/Leave when one side disconnects.
func TestThesisFlow(t *testing.T) {
	checkGoroutines(t)
	ctx := testCtx(t)
	srv := signalingtest.Start(t)
	room := protocol.NewRoomID()

	camera := dial(ctx, t, srv)
	require.NoError(t, camera.ID().Validate())
	joined, err := camera.Join(ctx, room)
	require.NoError(t, err)
	assert.Equal(t, room, joined.Room)
	assert.Empty(t, joined.Peers)

	viewer := dial(ctx, t, srv)
	require.NotEqual(t, camera.ID(), viewer.ID())
	joined, err = viewer.Join(ctx, room)
	require.NoError(t, err)
	assert.Equal(t, []protocol.ParticipantID{camera.ID()}, joined.Peers)

	rj := receive[protocol.RoomJoin](ctx, t, camera)
	assert.Equal(t, viewer.ID(), rj.ID)

	offer := json.RawMessage(`{"sdp":{"type":"offer","sdp":"v=0"}}`)
	require.NoError(t, camera.Signal(ctx, viewer.ID(), offer))
	rs := receive[protocol.RoomSignal](ctx, t, viewer)
	assert.Equal(t, camera.ID(), rs.From)
	assert.JSONEq(t, string(offer), string(rs.Signal))

	answer := json.RawMessage(`{"sdp":{"type":"answer","sdp":"v=0"}}`)
	require.NoError(t, viewer.Signal(ctx, "", answer))
	rs = receive[protocol.RoomSignal](ctx, t, camera)
	assert.Equal(t, viewer.ID(), rs.From)
	assert.JSONEq(t, string(answer), string(rs.Signal))

	require.NoError(t, viewer.Close())
	rl := receive[protocol.RoomLeave](ctx, t, camera)
	assert.Equal(t, viewer.ID(), rl.ID)
}

// receiveSkipping returns the next message of type M, skipping relayed signals.
func receiveSkipping[M protocol.Message](ctx context.Context, t testing.TB, c *client.Client) M {
	t.Helper()
	for {
		m, err := c.Receive(ctx)
		require.NoError(t, err)
		if _, ok := m.(protocol.RoomSignal); ok {
			continue
		}
		got, ok := m.(M)
		require.Truef(t, ok, "got %T %+v, want %T", m, m, *new(M))
		return got
	}
}

// TestPlain: the same flow over ws:// without TLS (cmd/signaling --plain).
func TestPlain(t *testing.T) {
	ctx := testCtx(t)
	srv := signalingtest.Start(t, signalingtest.WithPlain())
	require.True(t, strings.HasPrefix(srv.WSURL, "ws://"))
	room := protocol.NewRoomID()
	a, err := client.Dial(ctx, srv.WSURL)
	require.NoError(t, err)
	defer a.Close()
	b, err := client.Dial(ctx, srv.WSURL)
	require.NoError(t, err)
	defer b.Close()
	_, err = a.Join(ctx, room)
	require.NoError(t, err)
	_, err = b.Join(ctx, room)
	require.NoError(t, err)
	assert.Equal(t, b.ID(), receive[protocol.RoomJoin](ctx, t, a).ID)
}

// TestJoinOnConnect: a malformed ?room= is refused before the upgrade with
// HTTP 400 and the reason; after a join on connect a JoinOrCreate is a second
// one, a violation (the conformance suite checks the join itself).
func TestJoinOnConnect(t *testing.T) {
	ctx := testCtx(t)
	srv := signalingtest.Start(t)
	for _, tc := range []struct{ name, query, want string }{
		{"short", "room=abc", "bad room parameter"},
		{"upper case", "room=" + strings.Repeat("A", protocol.RoomIDLen), "bad room parameter"},
		{"twice", "room=" + string(protocol.NewRoomID()) + "&room=" + string(protocol.NewRoomID()), "give it once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := websocket.Dialer{TLSClientConfig: srv.TLSConfig}
			_, resp, err := d.DialContext(ctx, srv.WSURL+"?"+tc.query, nil)
			require.ErrorIs(t, err, websocket.ErrBadHandshake)
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			body, _ := io.ReadAll(resp.Body)
			assert.Contains(t, string(body), tc.want)
		})
	}
	t.Run("JoinOrCreate after it", func(t *testing.T) {
		room := protocol.NewRoomID()
		c, err := client.Dial(ctx, srv.WSURL+"?room="+string(room), client.WithTLSConfig(srv.TLSConfig))
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		assert.Equal(t, room, receive[protocol.Joined](ctx, t, c).Room)
		require.NoError(t, c.Send(ctx, protocol.JoinOrCreate{Room: room}))
		e := requireClosedWith(ctx, t, c, websocket.ClosePolicyViolation, protocol.CodeProtocolViolation)
		assert.Contains(t, e.Message, "JoinOrCreate while in a room")
	})
}
