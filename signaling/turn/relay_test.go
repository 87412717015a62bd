package turn_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	pionturn "github.com/pion/turn/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/server"
	"echtzeit/signaling/signalingtest"
	"echtzeit/signaling/turn"
)

// startWithTURN starts a signaling server on loopback with the embedded TURN
// server wired as cmd/signaling wires it.
func startWithTURN(t *testing.T) (*signalingtest.Server, *turn.Server) {
	t.Helper()
	ts, err := turn.Start(turn.Config{Listen: "127.0.0.1:0", Secret: "relay-test-secret"})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, ts.Close()) })
	dir, err := turn.NewDirectory("relay-test-secret", time.Hour, ts.URLs()...)
	require.NoError(t, err)
	sig := signalingtest.Start(t, signalingtest.WithConfig(func(c *server.Config) {
		c.Handlers = map[string]http.Handler{turn.Path: dir}
		c.Collectors = ts.Metrics().Collectors()
	}))
	return sig, ts
}

func get(t *testing.T, sig *signalingtest.Server, path string) []byte {
	t.Helper()
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: sig.TLSConfig}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get(sig.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}

// turnServer is one TURN entry of /iceservers.
type turnServer struct {
	addr, transport, username, password string
}

func iceServers(t *testing.T, sig *signalingtest.Server) (stunAddr string, turns []turnServer) {
	t.Helper()
	var l turn.ICEServers
	require.NoError(t, json.Unmarshal(get(t, sig, turn.Path), &l))
	for _, s := range l.ICEServers {
		require.Len(t, s.URLs, 1)
		u, err := stun.ParseURI(s.URLs[0])
		require.NoError(t, err)
		addr := net.JoinHostPort(u.Host, fmt.Sprint(u.Port))
		switch u.Scheme {
		case stun.SchemeTypeSTUN:
			stunAddr = addr
		case stun.SchemeTypeTURN:
			turns = append(turns, turnServer{addr: addr, transport: u.Proto.String(), username: s.Username, password: s.Credential})
		}
	}
	return stunAddr, turns
}

// allocate connects to the TURN server over ts.transport and allocates a relay.
func allocate(t *testing.T, ts turnServer, password string) (*pionturn.Client, net.PacketConn, error) {
	t.Helper()
	var conn net.PacketConn
	if ts.transport == "tcp" {
		c, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
		require.NoError(t, err)
		conn = pionturn.NewSTUNConn(c)
	} else {
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		require.NoError(t, err)
		conn = c
	}
	client, err := pionturn.NewClient(&pionturn.ClientConfig{
		STUNServerAddr: ts.addr, TURNServerAddr: ts.addr, Conn: conn,
		Username: ts.username, Password: password, Realm: turn.DefaultRealm,
	})
	require.NoError(t, err)
	t.Cleanup(func() { client.Close(); _ = conn.Close() })
	require.NoError(t, client.Listen())
	relay, err := client.Allocate()
	if err != nil {
		return nil, nil, err
	}
	t.Cleanup(func() { _ = relay.Close() })
	return client, relay, nil
}

// TestRelayWithICEServerCredentials: two pion TURN clients take their
// credentials from GET /iceservers, allocate on the embedded server (over UDP
// and over TCP) and exchange datagrams through their relays; the server's
// /metrics count the allocations and the relayed bytes.
func TestRelayWithICEServerCredentials(t *testing.T) {
	sig, _ := startWithTURN(t)
	stunAddr, turns := iceServers(t, sig)
	require.NotEmpty(t, stunAddr)
	require.Len(t, turns, 2)
	assert.Equal(t, "udp", turns[0].transport)
	assert.Equal(t, "tcp", turns[1].transport)

	for _, tc := range []struct{ name, a, b string }{
		{"udp to udp", "udp", "udp"},
		{"tcp to udp", "tcp", "udp"},
		{"tcp to tcp", "tcp", "tcp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pick := func(tr string) turnServer {
				for _, s := range turns {
					if s.transport == tr {
						return s
					}
				}
				t.Fatalf("no TURN server over %s", tr)
				return turnServer{}
			}
			sa, sb := pick(tc.a), pick(tc.b)
			_, ra, err := allocate(t, sa, sa.password)
			require.NoError(t, err)
			_, rb, err := allocate(t, sb, sb.password)
			require.NoError(t, err)
			assert.NotEqual(t, ra.LocalAddr().String(), rb.LocalAddr().String())

			// Each side permits the other's relay address by sending to it
			// (CreatePermission), then a ping goes a → b and its echo b → a.
			go echo(rb)
			deadline := time.Now().Add(10 * time.Second)
			buf := make([]byte, 1500)
			for {
				_, _ = rb.WriteTo([]byte("permit"), ra.LocalAddr())
				_, err := ra.WriteTo([]byte("ping"), rb.LocalAddr())
				require.NoError(t, err)
				require.NoError(t, ra.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
				n, from, err := ra.ReadFrom(buf)
				if err == nil && string(buf[:n]) == "echo:ping" {
					assert.Equal(t, rb.LocalAddr().String(), from.String())
					break
				}
				require.True(t, time.Now().Before(deadline), "no echo through the relays within 10 s")
			}
			assert.GreaterOrEqual(t, metrics(t, sig)["echtzeit_turn_allocations"], 2.0)
		})
	}

	m := metrics(t, sig)
	assert.Equal(t, 3.0, m[`echtzeit_turn_allocations_total{transport="udp"}`])
	assert.Equal(t, 3.0, m[`echtzeit_turn_allocations_total{transport="tcp"}`])
	assert.Greater(t, m[`echtzeit_turn_relayed_bytes_total{direction="to-peer"}`], 0.0)
	assert.Greater(t, m[`echtzeit_turn_relayed_bytes_total{direction="from-peer"}`], 0.0)
}

// echo answers "ping" with "echo:ping" until relay is closed.
func echo(relay net.PacketConn) {
	buf := make([]byte, 1500)
	for {
		n, from, err := relay.ReadFrom(buf)
		if err != nil {
			return
		}
		if string(buf[:n]) == "ping" {
			_, _ = relay.WriteTo([]byte("echo:ping"), from)
		}
	}
}

// TestRelayRefusesWrongCredentials: a wrong password or an expired username
// gets no allocation, and the refusal is counted.
func TestRelayRefusesWrongCredentials(t *testing.T) {
	sig, _ := startWithTURN(t)
	_, turns := iceServers(t, sig)
	ts := turns[0]
	_, _, err := allocate(t, ts, "not-the-password")
	require.Error(t, err)

	expired := turn.NewCredentials("relay-test-secret", "late", time.Now().Add(-time.Minute))
	ts.username = expired.Username
	_, _, err = allocate(t, ts, expired.Password)
	require.Error(t, err)
	assert.GreaterOrEqual(t, metrics(t, sig)["echtzeit_turn_auth_failures_total"], 2.0)
}

// TestSTUNBinding: the STUN URL answers a binding request with the client's
// address.
func TestSTUNBinding(t *testing.T) {
	sig, _ := startWithTURN(t)
	stunAddr, _ := iceServers(t, sig)
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dst, err := net.ResolveUDPAddr("udp4", stunAddr)
	require.NoError(t, err)
	msg := stun.MustBuild(stun.TransactionID, stun.BindingRequest)
	buf := make([]byte, 1500)
	for ctx.Err() == nil {
		_, err = c.WriteTo(msg.Raw, dst)
		require.NoError(t, err)
		require.NoError(t, c.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			continue
		}
		res := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
		require.NoError(t, res.Decode())
		var xor stun.XORMappedAddress
		require.NoError(t, xor.GetFrom(res))
		assert.Equal(t, c.LocalAddr().String(), xor.String())
		return
	}
	t.Fatal("no STUN answer within 5 s")
}

// metrics scrapes the server's /metrics into "name{labels}" → value.
func metrics(t *testing.T, sig *signalingtest.Server) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(get(t, sig, "/metrics"))))
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "#") {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		if i < 0 {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(l[i+1:], &v); err == nil {
			out[l[:i]] = v
		}
	}
	return out
}
