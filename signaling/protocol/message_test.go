package protocol_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/protocol"
)

var (
	pid  = protocol.ParticipantID("0123456789abcdef0123456789abcdef")
	pid2 = protocol.ParticipantID("fedcba9876543210fedcba9876543210")
	rid  = protocol.RoomID("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
)

// TestRoundTrip encodes every message type and decodes it back.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		msg  protocol.Message
		wire string
	}{
		{"Hello", protocol.Hello{ID: pid}, `{"type":"Hello","id":"` + string(pid) + `"}`},
		{"Joined empty", protocol.Joined{Room: rid, Peers: []protocol.ParticipantID{}}, `{"type":"Joined","room":"` + string(rid) + `","peers":[]}`},
		{"Joined with peer", protocol.Joined{Room: rid, Peers: []protocol.ParticipantID{pid}}, `{"type":"Joined","room":"` + string(rid) + `","peers":["` + string(pid) + `"]}`},
		{"Error", protocol.Error{Code: protocol.CodeRoomFull, Message: "full"}, `{"type":"Error","code":"room-full","message":"full"}`},
		{"Room/Join", protocol.RoomJoin{ID: pid}, `{"type":"Room/Join","id":"` + string(pid) + `"}`},
		{"Room/Leave", protocol.RoomLeave{ID: pid}, `{"type":"Room/Leave","id":"` + string(pid) + `"}`},
		{"Room/Signal", protocol.RoomSignal{From: pid, Signal: json.RawMessage(`{"candidate":null}`)}, `{"type":"Room/Signal","from":"` + string(pid) + `","signal":{"candidate":null}}`},
		{"JoinOrCreate", protocol.JoinOrCreate{Room: rid}, `{"type":"JoinOrCreate","room":"` + string(rid) + `"}`},
		{"Signal to all", protocol.Signal{Signal: json.RawMessage(`{"sdp":{"type":"offer","sdp":"v=0"}}`)}, `{"type":"Signal","signal":{"sdp":{"type":"offer","sdp":"v=0"}}}`},
		{"Signal to one", protocol.Signal{To: pid2, Signal: json.RawMessage(`{}`)}, `{"type":"Signal","to":"` + string(pid2) + `","signal":{}}`},
		{"Leave", protocol.Leave{}, `{"type":"Leave"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := protocol.Encode(tt.msg)
			require.NoError(t, err)
			assert.JSONEq(t, tt.wire, string(data))
			got, err := protocol.Decode(data)
			require.NoError(t, err)
			assert.Equal(t, tt.msg, got)
			assert.Equal(t, tt.msg.Type(), got.Type())
			// The hand-written wire form decodes to the same value.
			got, err = protocol.Decode([]byte(tt.wire))
			require.NoError(t, err)
			assert.Equal(t, tt.msg, got)
		})
	}
}

func TestFromServer(t *testing.T) {
	server := []protocol.Message{protocol.Hello{}, protocol.Joined{}, protocol.Error{}, protocol.RoomJoin{}, protocol.RoomLeave{}, protocol.RoomSignal{}}
	peer := []protocol.Message{protocol.JoinOrCreate{}, protocol.Signal{}, protocol.Leave{}}
	for _, m := range server {
		assert.True(t, m.FromServer(), m.Type())
	}
	for _, m := range peer {
		assert.False(t, m.FromServer(), m.Type())
	}
}

// TestDecodeRejects lists every kind of message Decode refuses.
func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		is    error // besides ErrInvalidMessage
		match string
	}{
		{"empty", ``, nil, "not JSON"},
		{"garbage", `hello`, nil, "not JSON"},
		{"truncated", `{"type":"Leave"`, nil, "not JSON"},
		{"array", `[{"type":"Leave"}]`, nil, "not a JSON object"},
		{"string", `"Leave"`, nil, "not a JSON object"},
		{"null", `null`, nil, "not a JSON object"},
		{"trailing object", `{"type":"Leave"}{"type":"Leave"}`, nil, "trailing data"},
		{"trailing garbage", `{"type":"Leave"} x`, nil, ""},
		{"missing type", `{"room":"` + string(rid) + `"}`, nil, `missing field "type"`},
		{"type not a string", `{"type":1}`, nil, `"type" must be a string`},
		{"unknown type", `{"type":"Offer"}`, protocol.ErrUnknownType, "unknown message type"},
		{"type case", `{"type":"leave"}`, protocol.ErrUnknownType, ""},
		{"duplicate type", `{"type":"Leave","type":"Leave"}`, nil, "duplicate field"},
		{"duplicate field", `{"type":"JoinOrCreate","room":"` + string(rid) + `","room":"` + string(rid) + `"}`, nil, "duplicate field"},
		{"unknown field", `{"type":"Leave","room":"x"}`, nil, "unknown field"},
		{"field name case", `{"type":"JoinOrCreate","Room":"` + string(rid) + `"}`, nil, `missing field "room"`},
		{"extra field beside required", `{"type":"Signal","signal":{},"From":"x"}`, nil, `unknown field "From"`},
		{"missing room", `{"type":"JoinOrCreate"}`, nil, `missing field "room"`},
		{"room not a string", `{"type":"JoinOrCreate","room":5}`, nil, ""},
		{"room too short", `{"type":"JoinOrCreate","room":"abc"}`, protocol.ErrBadID, "room ID"},
		{"room upper case", `{"type":"JoinOrCreate","room":"` + strings.ToUpper(string(rid)) + `"}`, protocol.ErrBadID, ""},
		{"room not hex", `{"type":"JoinOrCreate","room":"` + strings.Repeat("g", 64) + `"}`, protocol.ErrBadID, ""},
		{"room too long", `{"type":"JoinOrCreate","room":"` + string(rid) + `0"}`, protocol.ErrBadID, ""},
		{"signal missing", `{"type":"Signal"}`, nil, `missing field "signal"`},
		{"signal null", `{"type":"Signal","signal":null}`, nil, ""},
		{"signal string", `{"type":"Signal","signal":"x"}`, nil, "must be a JSON object"},
		{"signal array", `{"type":"Signal","signal":[]}`, nil, "must be a JSON object"},
		{"to malformed", `{"type":"Signal","to":"abc","signal":{}}`, protocol.ErrBadID, "participant ID"},
		{"to a room ID", `{"type":"Signal","to":"` + string(rid) + `","signal":{}}`, protocol.ErrBadID, ""},
		{"Hello bad id", `{"type":"Hello","id":"x"}`, protocol.ErrBadID, ""},
		{"Hello missing id", `{"type":"Hello"}`, nil, "missing field"},
		{"Joined missing peers", `{"type":"Joined","room":"` + string(rid) + `"}`, nil, "missing field"},
		{"Joined peers null", `{"type":"Joined","room":"` + string(rid) + `","peers":null}`, nil, ""},
		{"Joined bad peer", `{"type":"Joined","room":"` + string(rid) + `","peers":["x"]}`, protocol.ErrBadID, ""},
		{"Error empty code", `{"type":"Error","code":"","message":"m"}`, nil, "must not be empty"},
		{"Error missing message", `{"type":"Error","code":"c"}`, nil, "missing field"},
		{"Room/Signal missing from", `{"type":"Room/Signal","signal":{}}`, nil, "missing field"},
		{"Room/Leave bad id", `{"type":"Room/Leave","id":"` + string(pid) + `x"}`, protocol.ErrBadID, ""},
		{"invalid UTF-8 key", "{\"type\":\"Leave\",\"\xff\":1}", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := protocol.Decode([]byte(tt.data))
			require.Error(t, err, "decoded %#v", m)
			assert.Nil(t, m)
			assert.ErrorIs(t, err, protocol.ErrInvalidMessage)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			if tt.match != "" {
				assert.Contains(t, err.Error(), tt.match)
			}
		})
	}
}

// TestEncodeRejects: Encode never puts an undecodable message on the wire.
func TestEncodeRejects(t *testing.T) {
	tests := []struct {
		name string
		msg  protocol.Message
	}{
		{"nil", nil},
		{"Hello without id", protocol.Hello{}},
		{"Joined without peers", protocol.Joined{Room: rid}},
		{"Joined bad room", protocol.Joined{Room: "x", Peers: []protocol.ParticipantID{}}},
		{"Error without code", protocol.Error{Message: "m"}},
		{"JoinOrCreate bad room", protocol.JoinOrCreate{Room: "x"}},
		{"Signal without payload", protocol.Signal{}},
		{"Signal payload not an object", protocol.Signal{Signal: json.RawMessage(`1`)}},
		{"Signal bad to", protocol.Signal{To: "x", Signal: json.RawMessage(`{}`)}},
		{"Room/Signal bad from", protocol.RoomSignal{From: "x", Signal: json.RawMessage(`{}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := protocol.Encode(tt.msg)
			require.Error(t, err)
		})
	}
}

func TestIDs(t *testing.T) {
	seen := map[protocol.ParticipantID]bool{}
	for range 100 {
		id := protocol.NewParticipantID()
		require.NoError(t, id.Validate())
		require.False(t, seen[id], "duplicate participant ID")
		seen[id] = true
		require.NoError(t, protocol.NewRoomID().Validate())
	}
	_, err := protocol.ParseRoomID(string(rid))
	require.NoError(t, err)
	_, err = protocol.ParseRoomID(string(pid))
	require.True(t, errors.Is(err, protocol.ErrBadID))
	long := strings.Repeat("z", 500)
	err = protocol.ParticipantID(long).Validate()
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 200, "long IDs are truncated in errors")
}
