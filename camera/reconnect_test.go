package camera_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
)

// serveOn starts a signaling server with cert on addr ("127.0.0.1:0" for any port)
// and returns its address and a function that stops it.
func serveOn(t *testing.T, addr string, cert tls.Certificate) (string, func()) {
	t.Helper()
	srv, err := server.New(server.Config{TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}, testLogger(t).With("part", "server"))
	require.NoError(t, err)
	var ln net.Listener
	// The old listener's port may take a moment to be free again.
	for i := 0; ; i++ {
		ln, err = net.Listen("tcp", addr)
		if err == nil || i == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(context.Background(), ln) }()
	var stopped bool
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		require.NoError(t, srv.Close())
		if err := <-served; err != nil && !errors.Is(err, server.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

// TestReconnectAfterServerRestart: the server goes away and comes back on the same
// port; the camera reconnects with backoff, rejoins its room and streams again.
func TestReconnectAfterServerRestart(t *testing.T) {
	cert, err := server.SelfSignedCertificate()
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	opts := []client.Option{client.WithTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})}
	ctx := testContext(t, 60*time.Second)
	room := protocol.NewRoomID()

	addr, stop := serveOn(t, "127.0.0.1:0", cert)
	wsURL := "wss://" + addr + "/ws"
	cam := startCamera(t, wsURL, opts, room, smallVP8)
	waitState(ctx, t, cam, camera.StateWaiting)
	first := joinViewer(ctx, t, wsURL, opts, room, nil)
	require.NoError(t, first.waitFrames(ctx, 20))

	stop()
	waitState(ctx, t, cam, camera.StateBackoff)
	time.Sleep(300 * time.Millisecond) // let at least one attempt fail on the closed port
	serveOn(t, addr, cert)
	for cam.count(camera.StateWaiting) < 2 {
		select {
		case <-ctx.Done():
			t.Fatal("the camera did not rejoin after the server came back")
		case <-time.After(20 * time.Millisecond):
		}
	}
	second := joinViewer(ctx, t, wsURL, opts, room, nil)
	require.NoError(t, second.waitFrames(ctx, 20))
	assert.GreaterOrEqual(t, cam.count(camera.StateConnecting), 2)
}
