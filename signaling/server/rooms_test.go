package server_test

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
	"echtzeit/signaling/signalingtest"
)

// TestRoomFull: a third participant gets room-full and its connection stays usable.
func TestRoomFull(t *testing.T) {
	ctx := testCtx(t)
	srv := signalingtest.Start(t)
	room := protocol.NewRoomID()
	a, b, c := dial(ctx, t, srv), dial(ctx, t, srv), dial(ctx, t, srv)
	_, err := a.Join(ctx, room)
	require.NoError(t, err)
	_, err = b.Join(ctx, room)
	require.NoError(t, err)

	_, err = c.Join(ctx, room)
	var em *client.ErrorMessage
	require.ErrorAs(t, err, &em)
	assert.Equal(t, protocol.CodeRoomFull, em.Code)

	// Still usable: join another room, and the full room may be tried again later.
	joined, err := c.Join(ctx, protocol.NewRoomID())
	require.NoError(t, err)
	assert.Empty(t, joined.Peers)
}

// TestLeaveThenJoinAnother covers the Leave extension and not-in-room.
func TestLeaveThenJoinAnother(t *testing.T) {
	ctx := testCtx(t)
	srv := signalingtest.Start(t)
	first, second := protocol.NewRoomID(), protocol.NewRoomID()
	a, b := dial(ctx, t, srv), dial(ctx, t, srv)
	_, err := a.Join(ctx, first)
	require.NoError(t, err)
	_, err = b.Join(ctx, first)
	require.NoError(t, err)
	receive[protocol.RoomJoin](ctx, t, a)

	require.NoError(t, a.Leave(ctx))
	assert.Equal(t, a.ID(), receive[protocol.RoomLeave](ctx, t, b).ID)

	joined, err := a.Join(ctx, second)
	require.NoError(t, err)
	assert.Equal(t, second, joined.Room)
	assert.Empty(t, joined.Peers)

	// b is alone in the first room; a second Leave outside a room is an Error,
	// not a violation.
	require.NoError(t, b.Leave(ctx))
	require.NoError(t, b.Leave(ctx))
	e := receive[protocol.Error](ctx, t, b)
	assert.Equal(t, protocol.CodeNotInRoom, e.Code)
	// The first room is gone and can be created again, by b.
	joined, err = b.Join(ctx, first)
	require.NoError(t, err)
	assert.Empty(t, joined.Peers)
}

// TestSignalTo: a Signal with an unknown "to" gets unknown-peer, the connection
// stays; a Signal with a known "to" reaches only that participant.
func TestSignalTo(t *testing.T) {
	ctx := testCtx(t)
	srv := signalingtest.Start(t, signalingtest.WithConfig(func(c *server.Config) { c.RoomCapacity = 3 }))
	room := protocol.NewRoomID()
	a, b, c := dial(ctx, t, srv), dial(ctx, t, srv), dial(ctx, t, srv)
	for _, p := range []*client.Client{a, b, c} {
		_, err := p.Join(ctx, room)
		require.NoError(t, err)
	}
	assert.Equal(t, b.ID(), receive[protocol.RoomJoin](ctx, t, a).ID)
	assert.Equal(t, c.ID(), receive[protocol.RoomJoin](ctx, t, a).ID)
	assert.Equal(t, c.ID(), receive[protocol.RoomJoin](ctx, t, b).ID)

	require.NoError(t, a.Signal(ctx, protocol.NewParticipantID(), json.RawMessage(`{"x":1}`)))
	assert.Equal(t, protocol.CodeUnknownPeer, receive[protocol.Error](ctx, t, a).Code)
	require.NoError(t, a.Signal(ctx, a.ID(), json.RawMessage(`{"x":2}`)))
	assert.Equal(t, protocol.CodeUnknownPeer, receive[protocol.Error](ctx, t, a).Code, "a signal to oneself")

	require.NoError(t, a.Signal(ctx, c.ID(), json.RawMessage(`{"to":"c"}`)))
	require.NoError(t, a.Signal(ctx, "", json.RawMessage(`{"to":"all"}`)))
	assert.JSONEq(t, `{"to":"all"}`, string(receive[protocol.RoomSignal](ctx, t, b).Signal), "b skips the signal to c")
	assert.JSONEq(t, `{"to":"c"}`, string(receive[protocol.RoomSignal](ctx, t, c).Signal))
	assert.JSONEq(t, `{"to":"all"}`, string(receive[protocol.RoomSignal](ctx, t, c).Signal))
}

// TestConcurrentJoins: 100 goroutines race to join one room; exactly two get
// Joined and everyone else room-full.
func TestConcurrentJoins(t *testing.T) {
	ctx := testCtx(t)
	srv := signalingtest.Start(t)
	room := protocol.NewRoomID()
	const n = 100
	clients := make([]*client.Client, n)
	for i := range clients {
		clients[i] = dial(ctx, t, srv)
	}
	var wg sync.WaitGroup
	results := make([]error, n)
	for i, c := range clients {
		wg.Go(func() {
			_, results[i] = c.Join(ctx, room)
		})
	}
	wg.Wait()
	joined, full := 0, 0
	for _, err := range results {
		var em *client.ErrorMessage
		switch {
		case err == nil:
			joined++
		case errors.As(err, &em) && em.Code == protocol.CodeRoomFull:
			full++
		default:
			t.Errorf("unexpected join result: %v", err)
		}
	}
	assert.Equal(t, 2, joined)
	assert.Equal(t, n-2, full)
	assert.Contains(t, scrape(t, srv), "echtzeit_signaling_rooms 1\n")
}

// TestLargestSignalRelayed: a Signal of exactly the 64 KiB limit is relayed,
// although its Room/Signal is a little larger than the limit.
func TestLargestSignalRelayed(t *testing.T) {
	ctx := testCtx(t)
	srv := signalingtest.Start(t)
	room := protocol.NewRoomID()
	a, b := dial(ctx, t, srv), dial(ctx, t, srv)
	_, err := a.Join(ctx, room)
	require.NoError(t, err)
	_, err = b.Join(ctx, room)
	require.NoError(t, err)
	receive[protocol.RoomJoin](ctx, t, a)

	prefix, suffix := `{"type":"Signal","signal":{"x":"`, `"}}`
	msg := prefix + strings.Repeat("a", 64<<10-len(prefix)-len(suffix)) + suffix
	require.Len(t, msg, 64<<10)
	require.NoError(t, a.SendRaw(ctx, []byte(msg)))
	rs := receive[protocol.RoomSignal](ctx, t, b)
	assert.Equal(t, a.ID(), rs.From)
	assert.Len(t, rs.Signal, 64<<10-len(prefix)-len(suffix)+len(`{"x":""}`))
}
