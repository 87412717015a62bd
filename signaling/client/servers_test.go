package client_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/client"
	"echtzeit/signaling/server"
	"echtzeit/signaling/signalingtest"
)

func TestServers(t *testing.T) {
	a, b := signalingtest.Start(t), signalingtest.Start(t, signalingtest.WithPlain())
	dead := "wss://127.0.0.1:1/ws"
	s, err := client.ParseServers(dead + ", " + a.WSURL + "," + b.WSURL)
	require.NoError(t, err)
	assert.Equal(t, []string{dead, a.WSURL, b.WSURL}, s.URLs())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	c, err := s.Dial(ctx, client.WithTLSConfig(a.TLSConfig))
	require.NoError(t, err, "the dead first URL is skipped")
	assert.Equal(t, a.WSURL, c.URL())
	require.NoError(t, c.Close())
	c, err = s.Dial(ctx, client.WithTLSConfig(a.TLSConfig))
	require.NoError(t, err)
	assert.Equal(t, a.WSURL, c.URL(), "the URL that worked stays first")
	s.Failed(c.URL())
	require.NoError(t, c.Close())
	c, err = s.Dial(ctx)
	require.NoError(t, err)
	assert.Equal(t, b.WSURL, c.URL(), "after a failure the next one")
	require.NoError(t, c.Close())

	all, err := client.NewServers(dead, "ws://127.0.0.1:2/ws")
	require.NoError(t, err)
	_, err = all.Dial(ctx)
	assert.ErrorContains(t, err, "no signaling server answered")

	for _, bad := range []string{"", "http://x", "wss://a/ws,ftp://b"} {
		_, err := client.ParseServers(bad)
		assert.Error(t, err, bad)
	}
}

func TestLocalAddr(t *testing.T) {
	srv := signalingtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig), client.WithLocalAddr(netip.MustParseAddr("127.0.0.3")))
	require.NoError(t, err)
	require.NoError(t, c.Close())
	_, err = client.Dial(ctx, srv.WSURL, client.WithLocalAddr(netip.Addr{}))
	assert.Error(t, err)
}

func TestRateLimitPaces(t *testing.T) {
	srv := signalingtest.Start(t, signalingtest.WithConfig(func(c *server.Config) { c.RateLimit, c.RateBurst = 30, 10 }))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig), client.WithRateLimit(25, 5))
	require.NoError(t, err)
	defer c.Close()
	// 40 messages, four times the server's burst: paced, not closed.
	for range 40 {
		require.NoError(t, c.Leave(ctx))
	}
	for range 40 {
		m, err := c.Receive(ctx)
		require.NoError(t, err)
		assert.Equal(t, "Error", m.Type(), "not-in-room, not a violation")
	}
	_, err = client.Dial(ctx, srv.WSURL, client.WithRateLimit(0, 1))
	assert.Error(t, err)
}
