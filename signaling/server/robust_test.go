package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
	"echtzeit/signaling/signalingtest"
)

// TestSlowPeerDropped: a peer that stops reading is dropped — by queue overflow
// or by the write deadline — its room mate gets Room/Leave, and a busy room
// beside it keeps relaying meanwhile.
func TestSlowPeerDropped(t *testing.T) {
	checkGoroutines(t)
	tests := []struct {
		name         string
		queue        int
		writeTimeout time.Duration
		reason       string
	}{
		{name: "queue overflow", queue: 8, writeTimeout: 20 * time.Second, reason: "slow"},
		{name: "write deadline", queue: 100000, writeTimeout: 500 * time.Millisecond, reason: "write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			srv := signalingtest.Start(t, signalingtest.WithConfig(func(c *server.Config) {
				c.SendQueue = tt.queue
				c.WriteTimeout = tt.writeTimeout
				c.RateLimit = rate.Inf
			}))
			room, busyRoom := protocol.NewRoomID(), protocol.NewRoomID()
			slow, slowID := rawDial(ctx, t, srv)
			rawSend(t, slow, protocol.JoinOrCreate{Room: room})
			_, ok := rawRead(t, slow).(protocol.Joined)
			require.True(t, ok)
			// From here on slow never reads again.

			blaster := dial(ctx, t, srv)
			_, err := blaster.Join(ctx, room)
			require.NoError(t, err)

			b1, b2 := dial(ctx, t, srv), dial(ctx, t, srv)
			_, err = b1.Join(ctx, busyRoom)
			require.NoError(t, err)
			_, err = b2.Join(ctx, busyRoom)
			require.NoError(t, err)
			receive[protocol.RoomJoin](ctx, t, b1)

			// Fill the slow peer's TCP buffers and queue: 32 KiB signals, at
			// most 2,000 of them (64 MB), until the server drops it.
			big := json.RawMessage(`{"x":"` + strings.Repeat("a", 32<<10) + `"}`)
			blastCtx, stopBlast := context.WithCancel(ctx)
			var blast sync.WaitGroup
			blast.Go(func() {
				for i := 0; i < 2000 && blastCtx.Err() == nil; i++ {
					if err := blaster.Signal(blastCtx, slowID, big); err != nil {
						return
					}
				}
			})
			// The blaster reads what it is sent (Error unknown-peer once the slow
			// peer is gone, Room/Leave), so that only the slow peer is slow.
			left := make(chan protocol.ParticipantID, 1)
			blast.Go(func() {
				for {
					m, err := blaster.Receive(blastCtx)
					if err != nil {
						return
					}
					if rl, ok := m.(protocol.RoomLeave); ok {
						select {
						case left <- rl.ID:
						default:
						}
					}
				}
			})
			defer func() { stopBlast(); blast.Wait() }()

			// The busy room relays 200 round trips while that happens.
			start := time.Now()
			for i := range 200 {
				require.NoError(t, b1.Signal(ctx, "", json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))))
				rs := receive[protocol.RoomSignal](ctx, t, b2)
				require.JSONEq(t, fmt.Sprintf(`{"n":%d}`, i), string(rs.Signal))
				require.NoError(t, b2.Signal(ctx, "", rs.Signal))
				receive[protocol.RoomSignal](ctx, t, b1)
			}
			t.Logf("busy room: 200 round trips in %s beside the slow peer", time.Since(start))

			select {
			case id := <-left:
				assert.Equal(t, slowID, id)
			case <-ctx.Done():
				t.Fatal("no Room/Leave for the slow peer")
			}
			stopBlast()
			blast.Wait()
			require.NoError(t, waitGone(t, slow, 10*time.Second), "the slow peer's connection is closed")
			// At least the slow peer (shown above to be the one that left). With a
			// queue of 8, the blaster itself may follow: once the slow peer is gone
			// every further signal earns an Error unknown-peer, and when those
			// outrun its writer it is dropped for the same reason.
			m := regexp.MustCompile(`echtzeit_signaling_disconnects_total\{reason="` + tt.reason + `"\} (\d+)`).FindStringSubmatch(scrape(t, srv))
			require.NotNil(t, m, "no disconnect counted for %s", tt.reason)
			n, err := strconv.Atoi(m[1])
			require.NoError(t, err)
			assert.GreaterOrEqual(t, n, 1)
		})
	}
}

// TestDeadPeerDropped: a peer that stops answering pings is dropped after
// PongTimeout and its room told Room/Leave; a live peer with the same short
// intervals stays.
func TestDeadPeerDropped(t *testing.T) {
	checkGoroutines(t)
	ctx := testCtx(t)
	// Short intervals, with room for a busy machine to schedule the live
	// peer's pongs.
	srv := signalingtest.Start(t, signalingtest.WithConfig(func(c *server.Config) {
		c.PingInterval = 100 * time.Millisecond
		c.PongTimeout = time.Second
	}))
	room := protocol.NewRoomID()
	dead, deadID := rawDial(ctx, t, srv)
	dead.SetPingHandler(func(string) error { return nil }) // never pong
	rawSend(t, dead, protocol.JoinOrCreate{Room: room})
	_, ok := rawRead(t, dead).(protocol.Joined)
	require.True(t, ok)
	readDone := make(chan error, 1)
	go func() { // keep reading so pings arrive (and are ignored)
		for {
			if _, _, err := dead.ReadMessage(); err != nil {
				readDone <- err
				return
			}
		}
	}()

	live := dial(ctx, t, srv)
	_, err := live.Join(ctx, room)
	require.NoError(t, err)
	start := time.Now()
	rl := receive[protocol.RoomLeave](ctx, t, live)
	assert.Equal(t, deadID, rl.ID)
	t.Logf("dead peer dropped %s after the live one joined (PongTimeout 1s)", time.Since(start))
	select {
	case <-readDone:
	case <-ctx.Done():
		t.Fatal("the dead peer's connection was not closed")
	}

	// The live peer has answered pings all along: after several PongTimeouts it
	// still relays.
	time.Sleep(2500 * time.Millisecond)
	other := dial(ctx, t, srv)
	_, err = other.Join(ctx, room)
	require.NoError(t, err)
	require.NoError(t, other.Signal(ctx, "", json.RawMessage(`{"ok":true}`)))
	receiveSkipping[protocol.RoomJoin](ctx, t, live)
	assert.Equal(t, other.ID(), receive[protocol.RoomSignal](ctx, t, live).From)
	assert.Contains(t, scrape(t, srv), `echtzeit_signaling_disconnects_total{reason="timeout"} 1`)
}

// TestShutdown: Close sends every peer close code 1001 and Serve returns.
func TestShutdown(t *testing.T) {
	checkGoroutines(t)
	ctx := testCtx(t)
	srv := signalingtest.Start(t)
	room := protocol.NewRoomID()
	a, b := dial(ctx, t, srv), dial(ctx, t, srv)
	_, err := a.Join(ctx, room)
	require.NoError(t, err)
	_, err = b.Join(ctx, room)
	require.NoError(t, err)
	require.NoError(t, srv.Server.Close())
	for _, c := range []*client.Client{a, b} {
		requireClosedWith(ctx, t, c, websocket.CloseGoingAway, "")
	}
	_, err = client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig))
	require.Error(t, err, "no new connections after Close")
}

// TestMaxConns: a connection over --max-conns gets server-full; a slot frees
// when a peer leaves.
func TestMaxConns(t *testing.T) {
	ctx := testCtx(t)
	srv := signalingtest.Start(t, signalingtest.WithConfig(func(c *server.Config) { c.MaxConns = 2 }))
	a := dial(ctx, t, srv)
	dial(ctx, t, srv)
	_, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig))
	var em *client.ErrorMessage
	require.ErrorAs(t, err, &em)
	assert.Equal(t, protocol.CodeServerFull, em.Code)

	require.NoError(t, a.Close())
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		cl, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig))
		if assert.NoError(c, err) {
			_ = cl.Close()
		}
	}, 10*time.Second, 50*time.Millisecond)
}

// TestOrigins: the Origin allow-list and the same-origin default.
func TestOrigins(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		origin  func(srv *signalingtest.Server) string
		ok      bool
		peers   []string
	}{
		{"a cluster peer's page", nil, func(*signalingtest.Server) string { return "https://node2.example:8443" }, true, []string{"https://node2.example:8443"}},
		{"not a peer", nil, func(*signalingtest.Server) string { return "https://node3.example:8443" }, false, []string{"https://node2.example:8443"}},
		{"no origin header", nil, func(*signalingtest.Server) string { return "" }, true, nil},
		{"same origin by default", nil, func(s *signalingtest.Server) string { return s.URL }, true, nil},
		// Issue #14: the host alone matched, so a page served over plain
		// HTTP under the server's name could open its TLS socket.
		{"same host over http refused", nil, func(s *signalingtest.Server) string { return strings.Replace(s.URL, "https://", "http://", 1) }, false, nil},
		{"foreign origin refused by default", nil, func(*signalingtest.Server) string { return "https://evil.example" }, false, nil},
		{"listed origin", []string{"https://cam.example:8443"}, func(*signalingtest.Server) string { return "https://cam.example:8443" }, true, nil},
		{"unlisted origin", []string{"https://cam.example:8443"}, func(s *signalingtest.Server) string { return s.URL }, false, nil},
		{"any origin", []string{"*"}, func(*signalingtest.Server) string { return "https://evil.example" }, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			srv := signalingtest.Start(t, signalingtest.WithConfig(func(c *server.Config) { c.AllowedOrigins, c.PeerOrigins = tt.allowed, tt.peers }))
			h := http.Header{}
			if o := tt.origin(srv); o != "" {
				h.Set("Origin", o)
			}
			c, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig), client.WithHeader(h))
			if tt.ok {
				require.NoError(t, err)
				_ = c.Close()
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "403")
		})
	}
}

// TestEndpoints: /healthz, /metrics (with the names of README), / with and
// without a UI.
func TestEndpoints(t *testing.T) {
	ctx := testCtx(t)
	srv := signalingtest.Start(t)
	body, status := get(t, srv, "/healthz")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ok\n", body)
	_, status = get(t, srv, "/")
	assert.Equal(t, http.StatusNotFound, status)

	room := protocol.NewRoomID()
	a, b := dial(ctx, t, srv), dial(ctx, t, srv)
	_, err := a.Join(ctx, room)
	require.NoError(t, err)
	_, err = b.Join(ctx, room)
	require.NoError(t, err)
	receive[protocol.RoomJoin](ctx, t, a)
	require.NoError(t, a.Signal(ctx, "", json.RawMessage(`{}`)))
	receive[protocol.RoomSignal](ctx, t, b)

	m := scrape(t, srv)
	for _, want := range []string{
		"echtzeit_signaling_connections 2\n",
		"echtzeit_signaling_connections_total 2\n",
		"echtzeit_signaling_rooms 1\n",
		`echtzeit_signaling_messages_in_total{type="JoinOrCreate"} 2`,
		`echtzeit_signaling_messages_in_total{type="Signal"} 1`,
		`echtzeit_signaling_messages_out_total{type="Hello"} 2`,
		`echtzeit_signaling_messages_out_total{type="Room/Signal"} 1`,
		"echtzeit_signaling_relay_latency_seconds_count 1\n",
		"process_cpu_seconds_total",
		"go_goroutines",
	} {
		assert.Contains(t, m, want)
	}

	ui := signalingtest.Start(t, signalingtest.WithStatic(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ui"))
	})))
	body, status = get(t, ui, "/")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ui", body)
}

// TestManyRooms: 1,000 concurrent connections in 500 rooms each relay a
// signal both ways; none is lost.
func TestManyRooms(t *testing.T) {
	checkGoroutines(t)
	if testing.Short() {
		t.Skip("1,000 connections")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Generous handshake time: under -race on a busy 2-core machine 1,000 TLS
	// handshakes queue up.
	srv := signalingtest.Start(t, signalingtest.WithConfig(func(c *server.Config) { c.HandshakeTimeout = time.Minute }))
	const rooms = 500
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		errs     []error
		relayed  int
		dialSlot = make(chan struct{}, 16) // bound concurrent TLS handshakes
		ready    sync.WaitGroup            // every connection is open before any signal
		go1      = make(chan struct{})
	)
	ready.Add(rooms)
	for r := range rooms {
		wg.Go(func() {
			n, err := relayPair(ctx, srv, r, dialSlot, &ready, go1)
			mu.Lock()
			defer mu.Unlock()
			relayed += n
			if err != nil {
				errs = append(errs, fmt.Errorf("room %d: %w", r, err))
			}
		})
	}
	ready.Wait()
	assert.Contains(t, scrape(t, srv), fmt.Sprintf("echtzeit_signaling_connections %d\n", 2*rooms))
	close(go1)
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	assert.Equal(t, 2*rooms, relayed)
}

// relayPair opens two clients in one room, waits for go1, relays one signal in
// each direction and reports how many arrived intact.
func relayPair(ctx context.Context, srv *signalingtest.Server, r int, slot chan struct{}, ready *sync.WaitGroup, go1 <-chan struct{}) (int, error) {
	readyDone := false
	defer func() {
		if !readyDone {
			ready.Done()
		}
	}()
	room := protocol.NewRoomID()
	var cs [2]*client.Client
	for i := range cs {
		slot <- struct{}{}
		c, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig))
		<-slot
		if err != nil {
			return 0, err
		}
		defer c.Close()
		if _, err := c.Join(ctx, room); err != nil {
			return 0, err
		}
		cs[i] = c
	}
	if m, err := cs[0].Receive(ctx); err != nil || m.Type() != protocol.TypeRoomJoin {
		return 0, fmt.Errorf("want Room/Join, got %v %v", m, err)
	}
	readyDone = true
	ready.Done()
	select {
	case <-go1:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	n := 0
	for i, c := range cs {
		payload := json.RawMessage(fmt.Sprintf(`{"room":%d,"from":%d}`, r, i))
		if err := c.Signal(ctx, cs[1-i].ID(), payload); err != nil {
			return n, err
		}
		m, err := cs[1-i].Receive(ctx)
		if err != nil {
			return n, err
		}
		rs, ok := m.(protocol.RoomSignal)
		if !ok || rs.From != c.ID() || string(rs.Signal) != string(payload) {
			return n, fmt.Errorf("got %+v, want signal %s from %s", m, payload, c.ID())
		}
		n++
	}
	return n, nil
}
