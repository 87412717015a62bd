package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/protocol"
)

func TestEncodeSignal(t *testing.T) {
	s := &Server{}
	from := protocol.NewParticipantID()
	tests := []struct {
		name   string
		signal string
	}{
		{"small", `{"candidate":null}`},
		{"126 bytes and more", `{"x":"` + strings.Repeat("a", 200) + `"}`},
		{"64 KiB", `{"x":"` + strings.Repeat("b", 65535) + `"}`},
		{"nested with spaces", `{ "sdp" : { "type" : "offer", "sdp" : "v=0\r\n" } }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := s.encodeSignal(from, []byte(tt.signal))
			require.NoError(t, err)
			payload := parseServerFrame(t, out.frame, opBinary)
			m, err := protocol.Decode(payload)
			require.NoError(t, err)
			rs, ok := m.(protocol.RoomSignal)
			require.True(t, ok)
			assert.Equal(t, from, rs.From)
			assert.JSONEq(t, tt.signal, string(rs.Signal))
			want, err := protocol.Encode(protocol.RoomSignal{From: from, Signal: json.RawMessage(tt.signal)})
			require.NoError(t, err)
			assert.JSONEq(t, string(want), string(payload), "same message as protocol.Encode")
		})
	}
	_, err := s.encodeSignal("nope", []byte(`{}`))
	assert.ErrorIs(t, err, protocol.ErrBadID)
}

// parseServerFrame checks one unmasked, final frame of the given opcode
// (RFC 6455 §5.2) and returns its payload.
func parseServerFrame(t *testing.T, f []byte, opcode byte) []byte {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(f))
	b0, _ := r.ReadByte()
	b1, _ := r.ReadByte()
	require.Equal(t, 0x80|opcode, b0, "FIN and opcode")
	require.Zero(t, b1&0x80, "a server does not mask")
	n := int(b1 & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		_, _ = io.ReadFull(r, b[:])
		n = int(b[0])<<8 | int(b[1])
		require.Greater(t, n, 125, "shortest length encoding")
	case 127:
		var b [8]byte
		_, _ = io.ReadFull(r, b[:])
		n = 0
		for _, x := range b {
			n = n<<8 | int(x)
		}
		require.Greater(t, n, 0xFFFF, "shortest length encoding")
	}
	payload, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Len(t, payload, n)
	return payload
}

func TestControlFrames(t *testing.T) {
	payload := parseServerFrame(t, closeFrame(1008, strings.Repeat("é", 100)), opClose)
	assert.Equal(t, []byte{0x03, 0xF0}, payload[:2], "status 1008")
	assert.LessOrEqual(t, len(payload), 125)
	assert.Equal(t, []byte{0x89, 0x00}, pingFrame)
	assert.Equal(t, []byte("hi"), parseServerFrame(t, pongFrame([]byte("hi")), opPong))
}
