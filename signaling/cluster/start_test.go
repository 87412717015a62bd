package cluster_test

import (
	"context"
	"log/slog"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/cluster"
)

// TestStartFailsAtOnceOnATakenPort: a node whose cluster port (or NATS
// client port) is taken fails with the reason, instead of waiting for routes
// that never come (the embedded server goes on after a failed bind).
func TestStartFailsAtOnceOnATakenPort(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		cfg        func(taken string) cluster.Config
	}{
		{"cluster port", "router port", func(taken string) cluster.Config {
			return cluster.Config{Listen: taken}
		}},
		{"client port", "listening on port", func(taken string) cluster.Config {
			return cluster.Config{Listen: "127.0.0.1:0", ClientListen: taken}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			defer ln.Close()
			cfg := tc.cfg(ln.Addr().String())
			cfg.Name = "taken"
			cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
			node, err := cluster.Start(context.Background(), cfg)
			if node != nil {
				_ = node.Close()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "address already in use", "the bind's error, not a timeout")
		})
	}
}
