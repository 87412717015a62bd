package server_test

import (
	"echtzeit/internal/syncbuf"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// syncBuffer collects the server's log lines (JSON) from its goroutines.
type syncBuffer struct{ syncbuf.Buffer }

// records decodes every line written so far.
func (s *syncBuffer) records(t *testing.T) []map[string]any {
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

// TestConnectionLog: one line when a connection opens and one when it closes,
// with the connection's tag (a keyed hash, not its ID) and the reason.
func TestConnectionLog(t *testing.T) {
	ctx := testCtx(t)
	var buf syncBuffer
	srv := signalingtest.Start(t, signalingtest.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	c := dial(ctx, t, srv)
	require.NoError(t, c.SendRaw(ctx, []byte(`nope`)))
	requireClosedWith(ctx, t, c, websocket.ClosePolicyViolation, protocol.CodeProtocolViolation)
	require.NoError(t, srv.Server.Close())

	var opened, closed int
	var tags []any
	for _, r := range buf.records(t) {
		switch r["msg"] {
		case "connection open":
			opened++
			tags = append(tags, r["conn"])
			assert.NotEmpty(t, r["remote"])
		case "connection closed":
			closed++
			tags = append(tags, r["conn"])
			assert.Equal(t, "violation", r["reason"])
			assert.Contains(t, r["detail"], "not JSON")
		}
	}
	assert.Equal(t, 1, opened)
	assert.Equal(t, 1, closed)
	require.Len(t, tags, 2)
	assert.Equal(t, tags[0], tags[1], "one tag for the connection")
	assert.Regexp(t, `^[0-9a-f]{8}$`, tags[0])
	assert.NotContains(t, buf.String(), string(c.ID()))
}
