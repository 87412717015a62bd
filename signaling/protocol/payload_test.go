package protocol_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/protocol"
)

func TestPayload(t *testing.T) {
	mid := "0"
	idx := uint16(0)
	cand, err := protocol.CandidatePayload(protocol.ICECandidate{Candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host", SDPMid: &mid, SDPMLineIndex: &idx})
	require.NoError(t, err)
	tests := []struct {
		name   string
		raw    json.RawMessage
		check  func(t *testing.T, p protocol.Payload)
		reject bool
	}{
		{name: "offer", raw: json.RawMessage(`{"sdp":{"type":"offer","sdp":"v=0\r\n"}}`), check: func(t *testing.T, p protocol.Payload) {
			require.NotNil(t, p.SDP)
			assert.Equal(t, "offer", p.SDP.Type)
		}},
		{name: "candidate", raw: cand, check: func(t *testing.T, p protocol.Payload) {
			c, ok, err := p.ICECandidate()
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, "0", *c.SDPMid)
			assert.False(t, p.IsEndOfCandidates())
		}},
		{name: "end of candidates", raw: protocol.EndOfCandidatesPayload(), check: func(t *testing.T, p protocol.Payload) {
			assert.True(t, p.IsEndOfCandidates())
			_, ok, err := p.ICECandidate()
			require.NoError(t, err)
			assert.False(t, ok)
		}},
		{name: "request", raw: json.RawMessage(`{"request":{"width":1280,"height":720,"fps":30,"codec":"vp8"}}`), check: func(t *testing.T, p protocol.Payload) {
			assert.Equal(t, &protocol.FormatRequest{Width: 1280, Height: 720, FPS: 30, Codec: "vp8"}, p.Request)
		}},
		{name: "bad candidate", raw: json.RawMessage(`{"candidate":5}`), check: func(t *testing.T, p protocol.Payload) {
			_, _, err := p.ICECandidate()
			require.Error(t, err)
		}},
		{name: "not an object", raw: json.RawMessage(`[]`), reject: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := protocol.DecodePayload(tt.raw)
			if tt.reject {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			tt.check(t, p)
			// A payload survives a trip through Signal.
			data, err := protocol.Encode(protocol.Signal{Signal: tt.raw})
			require.NoError(t, err)
			m, err := protocol.Decode(data)
			require.NoError(t, err)
			assert.JSONEq(t, string(tt.raw), string(m.(protocol.Signal).Signal))
		})
	}
}
