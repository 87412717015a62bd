package server_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// TestFuzzCorpusOverTheWire sends every input of protocol's FuzzDecode corpus
// on a fresh connection: what Decode refuses, a server message or a Signal
// before Joined must end in Error + 1008; JoinOrCreate gets Joined, Leave gets
// not-in-room. The server stays healthy throughout.
func TestFuzzCorpusOverTheWire(t *testing.T) {
	checkGoroutines(t)
	dir := filepath.Join("..", "protocol", "testdata", "fuzz", "FuzzDecode")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	srv := signalingtest.Start(t)
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			ctx := testCtx(t)
			data := readCorpusEntry(t, filepath.Join(dir, e.Name()))
			c := dial(ctx, t, srv)
			_ = c.SendRaw(ctx, data) // the server may close before a large input is written
			m, decErr := protocol.Decode(data)
			switch {
			case decErr != nil || m.FromServer() || m.Type() == protocol.TypeSignal:
				requireClosedWith(ctx, t, c, websocket.ClosePolicyViolation, protocol.CodeProtocolViolation)
			case m.Type() == protocol.TypeJoinOrCreate:
				assert.Equal(t, m.(protocol.JoinOrCreate).Room, receive[protocol.Joined](ctx, t, c).Room)
			case m.Type() == protocol.TypeLeave:
				assert.Equal(t, protocol.CodeNotInRoom, receive[protocol.Error](ctx, t, c).Code)
			default:
				t.Fatalf("unhandled message type %s", m.Type())
			}
		})
	}
	body, status := get(t, srv, "/healthz")
	assert.Equal(t, 200, status, body)
	c, err := client.Dial(testCtx(t), srv.WSURL, client.WithTLSConfig(srv.TLSConfig))
	require.NoError(t, err)
	require.NoError(t, c.Close())
}

// readCorpusEntry reads a "go test fuzz v1" file with one []byte value.
func readCorpusEntry(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.SplitN(strings.TrimSpace(string(b)), "\n", 2)
	require.Len(t, lines, 2)
	require.Equal(t, "go test fuzz v1", lines[0])
	lit := strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")")
	s, err := strconv.Unquote(lit)
	require.NoError(t, err, "entry %s", path)
	return []byte(s)
}
