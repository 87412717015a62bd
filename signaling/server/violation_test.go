package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
	"echtzeit/signaling/signalingtest"
)

// TestViolations checks every protocol violation of SPEC §2: the offender gets
// Error{protocol-violation} and close code 1008, the other participant of its
// room gets Room/Leave, and another room keeps working.
func TestViolations(t *testing.T) {
	checkGoroutines(t)
	validSignal := `{"type":"Signal","signal":{"candidate":null}}`
	tests := []struct {
		name    string
		joined  bool // the offender is in a room first
		send    func(ctx context.Context, c *client.Client) error
		message string // expected in the Error's message
	}{
		{name: "not JSON", joined: true, send: raw(`{"type":`), message: "not JSON"},
		{name: "not an object", joined: true, send: raw(`[1,2]`), message: "not a JSON object"},
		{name: "unknown type", joined: true, send: raw(`{"type":"Bogus"}`), message: "unknown message type"},
		{name: "unknown field", joined: true, send: raw(`{"type":"Leave","x":1}`), message: "unknown field"},
		{name: "server type", joined: true, send: send(protocol.Hello{ID: protocol.NewParticipantID()}), message: "server message"},
		{name: "server type Room/Signal", joined: true, send: send(protocol.RoomSignal{From: protocol.NewParticipantID(), Signal: json.RawMessage(`{}`)}), message: "server message"},
		{name: "Signal before Joined", send: raw(validSignal), message: "Signal before Joined"},
		{name: "second JoinOrCreate", joined: true, send: send(protocol.JoinOrCreate{Room: protocol.NewRoomID()}), message: "send Leave first"},
		{name: "malformed room ID", send: raw(`{"type":"JoinOrCreate","room":"ABC"}`), message: "bad room ID"},
		{name: "upper-case room ID", joined: false, send: raw(`{"type":"JoinOrCreate","room":"` + strings.ToUpper(string(protocol.NewRoomID())) + `"}`), message: "bad room ID"},
		{name: "malformed to", joined: true, send: raw(`{"type":"Signal","to":"x","signal":{}}`), message: "malformed ID"},
		{name: "signal not an object", joined: true, send: raw(`{"type":"Signal","signal":"hi"}`), message: "must be a JSON object"},
		// Issue #14: the bytes of a signal were relayed as they came.
		{name: "invalid UTF-8 in a signal", joined: true, send: raw("{\"type\":\"Signal\",\"signal\":{\"sdp\":\"\xff\xfe\"}}"), message: "not UTF-8"},
		{name: "over size", joined: true, send: raw(`{"type":"Signal","signal":{"x":"` + strings.Repeat("a", 64<<10) + `"}}`), message: "larger than"},
		{name: "over rate", joined: true, send: func(ctx context.Context, c *client.Client) error {
			for range 400 { // burst 100, 50/s
				if err := c.Signal(ctx, "", json.RawMessage(`{}`)); err != nil {
					return nil // the server closed the connection: expected
				}
			}
			return nil
		}, message: "rate limit"},
	}
	srv := signalingtest.Start(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			// A room beside that must keep working.
			other := protocol.NewRoomID()
			o1, o2 := dial(ctx, t, srv), dial(ctx, t, srv)
			_, err := o1.Join(ctx, other)
			require.NoError(t, err)
			_, err = o2.Join(ctx, other)
			require.NoError(t, err)
			receive[protocol.RoomJoin](ctx, t, o1)

			offender, buddy := dial(ctx, t, srv), dial(ctx, t, srv)
			if tt.joined {
				room := protocol.NewRoomID()
				_, err := buddy.Join(ctx, room)
				require.NoError(t, err)
				_, err = offender.Join(ctx, room)
				require.NoError(t, err)
				receive[protocol.RoomJoin](ctx, t, buddy)
			}
			require.NoError(t, tt.send(ctx, offender))
			e := requireClosedWith(ctx, t, offender, websocket.ClosePolicyViolation, protocol.CodeProtocolViolation)
			assert.Contains(t, e.Message, tt.message)
			if tt.joined {
				rl := receiveSkipping[protocol.RoomLeave](ctx, t, buddy)
				assert.Equal(t, offender.ID(), rl.ID)
			}

			require.NoError(t, o1.Signal(ctx, "", json.RawMessage(`{"n":1}`)))
			rs := receive[protocol.RoomSignal](ctx, t, o2)
			assert.Equal(t, o1.ID(), rs.From)
			select {
			case <-buddy.Done():
				t.Fatalf("the offender's room mate was dropped: %v", buddy.Err())
			default:
			}
		})
	}
	assert.Contains(t, scrape(t, srv), `echtzeit_signaling_errors_total{code="protocol-violation"} `+fmt.Sprint(len(tests)))
}

func raw(s string) func(context.Context, *client.Client) error {
	return func(ctx context.Context, c *client.Client) error { return c.SendRaw(ctx, []byte(s)) }
}

func send(m protocol.Message) func(context.Context, *client.Client) error {
	return func(ctx context.Context, c *client.Client) error {
		data, err := json.Marshal(m)
		if err != nil {
			return err
		}
		// Add the type by hand: Encode is fine for server messages too, but
		// spell it out so the test does not depend on Encode's checks.
		s := `{"type":"` + m.Type() + `",` + string(data[1:])
		return c.SendRaw(ctx, []byte(s))
	}
}

// TestOverSizeHugeFrame sends a frame far over the limit: the server reads only
// the limit, answers Error + 1008 and drains the rest without buffering it.
func TestOverSizeHugeFrame(t *testing.T) {
	checkGoroutines(t)
	ctx := testCtx(t)
	srv := signalingtest.Start(t)
	c := dial(ctx, t, srv)
	big := `{"type":"Signal","signal":{"x":"` + strings.Repeat("a", 4<<20) + `"}}`
	// The server may close before the client has written it all.
	_ = c.SendRaw(ctx, []byte(big))
	e := requireClosedWith(ctx, t, c, websocket.ClosePolicyViolation, protocol.CodeProtocolViolation)
	assert.Contains(t, e.Message, "larger than 65536 bytes")
}

// TestTextFramesAccepted: peers may send text frames; the server answers binary.
func TestTextFramesAccepted(t *testing.T) {
	ctx := testCtx(t)
	srv := signalingtest.Start(t)
	ws, _ := rawDial(ctx, t, srv)
	room := protocol.NewRoomID()
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"JoinOrCreate","room":"`+string(room)+`"}`)))
	joined, ok := rawRead(t, ws).(protocol.Joined)
	require.True(t, ok)
	assert.Equal(t, room, joined.Room)
}

// TestConfigValidate names the bad field.
func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*server.Config)
		want string
	}{
		{"capacity", func(c *server.Config) { c.RoomCapacity = -1 }, "'RoomCapacity'"},
		{"pong vs ping", func(c *server.Config) { c.PingInterval, c.PongTimeout = 10e9, 5e9 }, "'PongTimeout'"},
		{"origin", func(c *server.Config) { c.AllowedOrigins = []string{"example.com"} }, "'AllowedOrigins'"},
		{"max conns", func(c *server.Config) { c.MaxConns = -2 }, "'MaxConns'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := server.DefaultConfig()
			tt.edit(&cfg)
			_, err := server.New(cfg, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	_, err := server.New(server.Config{}, nil)
	require.NoError(t, err, "zero config takes the defaults")
}
