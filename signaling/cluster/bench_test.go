package cluster_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
	"echtzeit/signaling/signalingtest"
)

var candidate = json.RawMessage(`{"candidate":{"candidate":"candidate:842163049 1 udp 1677729535 127.0.0.1 50123 typ srflx raddr 0.0.0.0 rport 0 generation 0","sdpMid":"0","sdpMLineIndex":0}}`)

// BenchmarkRelay: one participant streams signals to its room mate with up
// to 64 in flight (one op = one relayed signal), both on one node of a
// three-node cluster, or on two nodes (the signal crosses NATS).
func BenchmarkRelay(b *testing.B) {
	tc := startCluster(b, 3, nil, func(c *server.Config) {
		c.RateLimit = rate.Inf
		c.SendQueue = 1024
	})
	targets := tc.targets()
	for _, bc := range []struct {
		name     string
		from, to signalingtest.Target
	}{
		{"same node", targets[0], targets[0]},
		{"across nodes", targets[0], targets[1]},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			room := protocol.NewRoomID()
			sender, err := client.Dial(ctx, bc.from.WSURL, bc.from.Options...)
			if err != nil {
				b.Fatal(err)
			}
			defer sender.Close()
			recv, err := client.Dial(ctx, bc.to.WSURL, append(bc.to.Options, client.WithReceiveQueue(1024))...)
			if err != nil {
				b.Fatal(err)
			}
			defer recv.Close()
			if _, err := sender.Join(ctx, room); err != nil {
				b.Fatal(err)
			}
			if _, err := recv.Join(ctx, room); err != nil {
				b.Fatal(err)
			}
			if _, err := sender.Receive(ctx); err != nil { // Room/Join
				b.Fatal(err)
			}
			window := make(chan struct{}, 64)
			done := make(chan error, 1)
			b.SetBytes(int64(len(candidate)))
			b.ResetTimer()
			go func() {
				for range b.N {
					m, err := recv.Receive(ctx)
					if err != nil {
						done <- err
						return
					}
					if _, ok := m.(protocol.RoomSignal); !ok {
						done <- err
						return
					}
					<-window
				}
				done <- nil
			}()
			for range b.N {
				window <- struct{}{}
				if err := sender.Signal(ctx, "", candidate); err != nil {
					b.Fatal(err)
				}
			}
			if err := <-done; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "relays/s")
		})
	}
}
