package camera

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/client"
	"echtzeit/signaling/signalingtest"
)

// TestDialMovesOn: with a dead server first in the list the camera connects
// to the next, and after that one's connection is lost it starts there.
func TestDialMovesOn(t *testing.T) {
	srv := signalingtest.Start(t)
	dead := "wss://127.0.0.1:1/ws"
	cfg := Config{SignalingURL: dead + "," + srv.WSURL, ClientOptions: []client.Option{client.WithTLSConfig(srv.TLSConfig)}}
	servers, err := cfg.servers()
	require.NoError(t, err)
	c := &Camera{cfg: cfg, servers: servers}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl, err := c.dial(ctx)
	require.NoError(t, err)
	assert.Equal(t, srv.WSURL, cl.URL())
	assert.Equal(t, srv.WSURL, servers.Current(), "the server that answered comes first next time")
	require.NoError(t, srv.Server.Close()) // the server goes away
	<-cl.Done()
	c.lost(cl)
	assert.Equal(t, dead, servers.Current(), "after the loss the next one is tried first")
	_ = cl.Close()

	_, err = Config{SignalingURL: "wss://a/ws,http://b"}.servers()
	assert.ErrorContains(t, err, "'signaling'")
}
