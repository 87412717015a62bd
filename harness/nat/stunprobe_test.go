package nat

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSTUNProbeLoopback: without a NAT the mapped address is the socket's own.
func TestSTUNProbeLoopback(t *testing.T) {
	srv, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- ServeSTUN(srv) }()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := Mapped(ctx, c, srv.LocalAddr().(*net.UDPAddr).AddrPort())
	require.NoError(t, err)
	assert.Equal(t, c.LocalAddr().(*net.UDPAddr).AddrPort(), got)

	require.NoError(t, srv.Close())
	require.NoError(t, <-done)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	_, err = Mapped(ctx2, c, netip.MustParseAddrPort("127.0.0.1:9"))
	assert.Error(t, err, "no answer")
}
