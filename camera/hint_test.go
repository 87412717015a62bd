package camera_test

import (
	"context"
	"echtzeit/internal/syncbuf"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/camera/softenc"
	"echtzeit/camera/synthetic"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
)

// TestUntrustedCertificateHint: a camera started without --tls-fingerprint
// against the server's self-signed certificate keeps retrying (the server may
// change its certificate), and its warning says what to pass.
func TestUntrustedCertificateHint(t *testing.T) {
	cert, err := server.SelfSignedCertificate()
	require.NoError(t, err)
	addr, _ := serveOn(t, "127.0.0.1:0", cert)
	var logs syncbuf.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	src, err := softenc.New(synthetic.Source{}, camera.CodecVP8, log, camera.NewMetrics())
	require.NoError(t, err)
	api, err := camera.NewAPI(camera.APIOptions{ICELoopback: camera.LoopbackOff})
	require.NoError(t, err)
	cam, err := camera.New(camera.Config{
		API:          api,
		SignalingURL: "wss://" + addr + "/ws", Room: protocol.NewRoomID(),
		Source: src, SourceName: "synthetic", Format: camera.Format{Width: 320, Height: 180, FPS: 15, Codec: camera.CodecVP8},
		Backoff: &camera.Backoff{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond},
		Logger:  log, Metrics: camera.NewMetrics(),
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cam.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(logs.String(), "hint=") < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	require.NoError(t, <-done)
	out := logs.String()
	assert.Contains(t, out, "x509: certificate signed by unknown authority")
	assert.Contains(t, out, "--tls-fingerprint with the sha256= value the server logs")
	assert.GreaterOrEqual(t, strings.Count(out, "signaling lost; reconnecting"), 2, "it keeps retrying")
}
