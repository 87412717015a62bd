package server_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// rawDial opens a bare gorilla WebSocket to srv and reads Hello: for peers that
// misbehave on purpose (never read, never answer pings, send text frames).
func rawDial(ctx context.Context, t testing.TB, srv *signalingtest.Server) (*websocket.Conn, protocol.ParticipantID) {
	t.Helper()
	d := websocket.Dialer{TLSClientConfig: srv.TLSConfig, HandshakeTimeout: 10 * time.Second}
	ws, _, err := d.DialContext(ctx, srv.WSURL, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ws.Close() })
	m := rawRead(t, ws)
	hello, ok := m.(protocol.Hello)
	require.Truef(t, ok, "first message %T, want Hello", m)
	return ws, hello.ID
}

func rawRead(t testing.TB, ws *websocket.Conn) protocol.Message {
	t.Helper()
	require.NoError(t, ws.SetReadDeadline(time.Now().Add(10*time.Second)))
	typ, data, err := ws.ReadMessage()
	require.NoError(t, err)
	require.Equal(t, websocket.BinaryMessage, typ, "server messages are binary frames")
	m, err := protocol.Decode(data)
	require.NoError(t, err)
	return m
}

func rawSend(t testing.TB, ws *websocket.Conn, m protocol.Message) {
	t.Helper()
	data, err := protocol.Encode(m)
	require.NoError(t, err)
	require.NoError(t, ws.WriteMessage(websocket.BinaryMessage, data))
}

// requireClosedWith waits until c's connection is gone and checks the close code
// and the Error that came before it.
func requireClosedWith(ctx context.Context, t testing.TB, c *client.Client, code int, errCode string) protocol.Error {
	t.Helper()
	var last protocol.Error
	for {
		m, err := c.Receive(ctx)
		if err != nil {
			var ce *client.CloseError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, code, ce.Code, "close code (%v)", err)
			if errCode != "" {
				require.Equal(t, errCode, last.Code, "Error before the close frame")
			}
			return last
		}
		if e, ok := m.(protocol.Error); ok {
			last = e
		}
	}
}

// scrape returns the /metrics text.
func scrape(t testing.TB, srv *signalingtest.Server) string {
	t.Helper()
	body, status := get(t, srv, "/metrics")
	require.Equal(t, http.StatusOK, status)
	return body
}

func get(t testing.TB, srv *signalingtest.Server, path string) (string, int) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: srv.TLSConfig}, Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get(srv.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b), resp.StatusCode
}

// metricLine finds the sample line of name{labels} in a /metrics text.
func metricLine(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix+" ") {
			return l
		}
	}
	return ""
}

// waitGone waits until ws's reads fail (the server closed it).
func waitGone(t testing.TB, ws *websocket.Conn, within time.Duration) error {
	t.Helper()
	require.NoError(t, ws.SetReadDeadline(time.Now().Add(within)))
	for {
		if _, _, err := ws.NextReader(); err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				return err
			}
			return nil
		}
	}
}

// checkGoroutines fails the test when goroutines started during it outlive it
// (after every other cleanup, including the server's Close, has run).
func checkGoroutines(t testing.TB) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("%d goroutines leaked (%d before, %d after):\n%s", n-before, before, n, buf)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
