package server_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
	"echtzeit/signaling/signalingtest"
)

// TestAbuse plays the hostile peers of issue #14 against a real server, each
// defect as it was reproduced from outside, and finally reads everything the
// servers logged at info level and above for secrets.
func TestAbuse(t *testing.T) {
	checkGoroutines(t)
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	start := func(t *testing.T, f func(*server.Config)) *signalingtest.Server {
		if f == nil {
			f = func(*server.Config) {}
		}
		return signalingtest.Start(t, signalingtest.WithLogger(logger), signalingtest.WithConfig(f))
	}
	var secrets []string // room IDs the attackers used

	t.Run("join deadline", func(t *testing.T) {
		ctx := testCtx(t)
		srv := start(t, func(c *server.Config) { c.JoinTimeout = 400 * time.Millisecond })
		idle := dial(ctx, t, srv) // answers pings, never joins: held its slot forever
		joined := dial(ctx, t, srv)
		room := protocol.NewRoomID()
		secrets = append(secrets, string(room))
		_, err := joined.Join(ctx, room)
		require.NoError(t, err)
		began := time.Now()
		e := requireClosedWith(ctx, t, idle, websocket.ClosePolicyViolation, protocol.CodeJoinTimeout)
		assert.Contains(t, e.Message, "JoinOrCreate")
		assert.Less(t, time.Since(began), 5*time.Second)

		// After Leave the deadline runs again; inside a room it does not.
		require.NoError(t, joined.Leave(ctx))
		requireClosedWith(ctx, t, joined, websocket.ClosePolicyViolation, protocol.CodeJoinTimeout)
		stay := dial(ctx, t, srv)
		_, err = stay.Join(ctx, room)
		require.NoError(t, err)
		time.Sleep(time.Second)
		require.NoError(t, stay.Signal(ctx, "", json.RawMessage(`{}`)), "a participant in a room stays")
		assert.Contains(t, scrape(t, srv), `echtzeit_signaling_disconnects_total{reason="join-timeout"} 2`)
	})

	t.Run("connections per address", func(t *testing.T) {
		ctx := testCtx(t)
		srv := start(t, func(c *server.Config) { c.MaxConnsPerIP = 2 })
		a, b := dial(ctx, t, srv), dial(ctx, t, srv)
		_, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig))
		var em *client.ErrorMessage
		require.ErrorAs(t, err, &em, "a third connection from 127.0.0.1")
		assert.Equal(t, protocol.CodeServerFull, em.Code)
		other, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig), client.WithLocalAddr(netip.MustParseAddr("127.0.0.2")))
		require.NoError(t, err, "another address has slots of its own")
		defer other.Close()
		require.NoError(t, a.Close())
		require.Eventually(t, func() bool {
			c, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig))
			if err != nil {
				return false
			}
			_ = c.Close()
			return true
		}, 5*time.Second, 50*time.Millisecond, "a freed slot is usable again")
		_ = b
	})

	t.Run("ping flood", func(t *testing.T) {
		ctx := testCtx(t)
		srv := start(t, nil)
		ws, _ := rawDial(ctx, t, srv)
		for range 400 { // 50/s, burst 100: pings counted nowhere before
			if ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second)) != nil {
				break
			}
		}
		var last protocol.Message
		require.NoError(t, ws.SetReadDeadline(time.Now().Add(10*time.Second)))
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				var ce *websocket.CloseError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, websocket.ClosePolicyViolation, ce.Code)
				break
			}
			last, err = protocol.Decode(data)
			require.NoError(t, err)
		}
		require.IsType(t, protocol.Error{}, last)
		assert.Contains(t, last.(protocol.Error).Message, "rate limit")
	})

	t.Run("room IDs stay out of the log", func(t *testing.T) {
		ctx := testCtx(t)
		srv := start(t, nil)
		room, second := protocol.NewRoomID(), protocol.NewRoomID()
		long := strings.Repeat(string(protocol.NewRoomID()), 3)
		secrets = append(secrets, string(room), string(second), long)
		c := dial(ctx, t, srv)
		_, err := c.Join(ctx, room)
		require.NoError(t, err)
		require.NoError(t, c.Send(ctx, protocol.JoinOrCreate{Room: second})) // "JoinOrCreate while in room <ID>"
		requireClosedWith(ctx, t, c, websocket.ClosePolicyViolation, protocol.CodeProtocolViolation)
		d := dial(ctx, t, srv)
		require.NoError(t, d.SendRaw(ctx, []byte(`{"type":"JoinOrCreate","room":"`+long+`"}`))) // echoed whole
		e := requireClosedWith(ctx, t, d, websocket.ClosePolicyViolation, protocol.CodeProtocolViolation)
		assert.NotContains(t, e.Message, long[:64])
		full := dial(ctx, t, srv) // room-full names the room
		f2 := dial(ctx, t, srv)
		_, err = full.Join(ctx, second)
		require.NoError(t, err)
		_, err = f2.Join(ctx, second)
		require.NoError(t, err)
		_, err = dial(ctx, t, srv).Join(ctx, second)
		require.Error(t, err)
	})

	t.Run("churn does not push the camera off", func(t *testing.T) {
		ctx := testCtx(t)
		srv := start(t, nil) // the production limits
		room := protocol.NewRoomID()
		secrets = append(secrets, string(room))
		camera := dial(ctx, t, srv)
		_, err := camera.Join(ctx, room)
		require.NoError(t, err)
		offer := json.RawMessage(`{"sdp":{"type":"offer","sdp":"` + strings.Repeat("a=x\\r\\n", 700) + `"}}`)
		candidate := json.RawMessage(`{"candidate":{"candidate":"candidate:1 1 udp 2122194687 192.0.2.2 47270 typ host","sdpMid":"0","sdpMLineIndex":0}}`)
		// The camera answers every newcomer at once with an offer and ten
		// candidates, without pacing itself: the server must not count that
		// against it.
		joins := make(chan int, 1)
		camDone := make(chan error, 1)
		go func() {
			n := 0
			for {
				m, err := camera.Receive(ctx)
				if err != nil {
					joins <- n
					camDone <- err
					return
				}
				if rj, ok := m.(protocol.RoomJoin); ok {
					n++
					_ = camera.Signal(ctx, rj.ID, offer)
					for range 10 {
						_ = camera.Signal(ctx, rj.ID, candidate)
					}
				}
			}
		}()
		// One attacker, 150 join/leave cycles at 40 messages a second (under
		// its own limit), reconnecting if the server closes it anyway.
		// (Join fails when a signal of the camera's is still in the inbox;
		// the attacker then starts over on a new connection.)
		const cycles = 150
		var att *client.Client
		joinedOK := 0
		for i := 0; i < cycles; i++ {
			if att == nil {
				if att, err = client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig), client.WithRateLimit(40, 10)); err != nil {
					t.Fatal(err)
				}
			}
			_, jerr := att.Join(ctx, room)
			if jerr == nil {
				joinedOK++
			}
			lerr := att.Leave(ctx)
			if jerr != nil || lerr != nil {
				_ = att.Close()
				att = nil
			}
		}
		require.Greater(t, joinedOK, cycles/2)
		if att != nil {
			require.NoError(t, att.Close())
		}
		// A well-behaved viewer still finds the camera in its room.
		viewer := dial(ctx, t, srv)
		joined, err := viewer.Join(ctx, room)
		require.NoError(t, err)
		assert.Equal(t, []protocol.ParticipantID{camera.ID()}, joined.Peers)
		var got int
		for got < 11 {
			m, err := viewer.Receive(ctx)
			require.NoError(t, err, "the camera's offer and candidates arrive")
			if rs, ok := m.(protocol.RoomSignal); ok && rs.From == camera.ID() {
				got++
			}
		}
		require.NoError(t, camera.Close())
		n := <-joins
		assert.ErrorIs(t, <-camDone, client.ErrClosed, "the camera was not closed by the server")
		assert.GreaterOrEqual(t, n, joinedOK+1, "the camera saw every join")
		assert.NotContains(t, scrape(t, srv), `reason="violation"`)
	})

	t.Run("metrics on a listener of their own", func(t *testing.T) {
		ctx := testCtx(t)
		srv := start(t, func(c *server.Config) { c.SeparateMetrics = true })
		_ = dial(ctx, t, srv)
		_, status := get(t, srv, "/metrics")
		assert.Equal(t, http.StatusNotFound, status, "not on the public port")
		ms := httptest.NewServer(srv.Server.MetricsHandler())
		defer ms.Close()
		resp, err := http.Get(ms.URL)
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	})

	// Nothing secret reached the log: no room ID, no participant ID, no
	// other long hex string; connections and rooms appear as 8-hex tags.
	text := logs.String()
	require.NotEmpty(t, text)
	assert.Regexp(t, `"conn":"[0-9a-f]{8}"`, text)
	if m := regexp.MustCompile(`[0-9a-fA-F]{32,}`).FindString(text); m != "" {
		t.Errorf("the log holds a hex string of %d characters: %s…", len(m), m[:12])
	}
	for _, s := range secrets {
		assert.NotContains(t, text, s[:16], "a room ID's beginning")
	}
}
