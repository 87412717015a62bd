package server_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) records(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

// TestConnectionLog: one line when a connection opens and one when it closes,
// with its ID and the reason.
func TestConnectionLog(t *testing.T) {
	ctx := testCtx(t)
	var buf syncBuffer
	srv := signalingtest.Start(t, signalingtest.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	c := dial(ctx, t, srv)
	require.NoError(t, c.SendRaw(ctx, []byte(`nope`)))
	requireClosedWith(ctx, t, c, websocket.ClosePolicyViolation, protocol.CodeProtocolViolation)
	require.NoError(t, srv.Server.Close())

	var opened, closed int
	for _, r := range buf.records(t) {
		switch r["msg"] {
		case "connection open":
			opened++
			assert.Equal(t, string(c.ID()), r["id"])
			assert.NotEmpty(t, r["remote"])
		case "connection closed":
			closed++
			assert.Equal(t, string(c.ID()), r["id"])
			assert.Equal(t, "violation", r["reason"])
			assert.Contains(t, r["detail"], "not JSON")
		}
	}
	assert.Equal(t, 1, opened)
	assert.Equal(t, 1, closed)
}
