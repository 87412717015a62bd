package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
	"echtzeit/signaling/signalingtest"
)

// candidate is a typical trickle-ICE signal (~150 bytes).
var candidate = json.RawMessage(`{"candidate":{"candidate":"candidate:842163049 1 udp 1677729535 127.0.0.1 50123 typ srflx raddr 0.0.0.0 rport 0 generation 0","sdpMid":"0","sdpMLineIndex":0}}`)

func benchServer(b *testing.B) *signalingtest.Server {
	return signalingtest.Start(b, signalingtest.WithConfig(func(c *server.Config) {
		c.RateLimit = rate.Inf
		c.SendQueue = 1024
	}))
}

// pairUp dials n/2 rooms of two clients each.
func pairUp(ctx context.Context, b *testing.B, srv *signalingtest.Server, n int) [][2]*client.Client {
	b.Helper()
	pairs := make([][2]*client.Client, n/2)
	for i := range pairs {
		room := protocol.NewRoomID()
		for j := range 2 {
			c, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig), client.WithReceiveQueue(1024))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = c.Close() })
			if _, err := c.Join(ctx, room); err != nil {
				b.Fatal(err)
			}
			pairs[i][j] = c
		}
		if _, err := pairs[i][0].Receive(ctx); err != nil { // Room/Join
			b.Fatal(err)
		}
	}
	return pairs
}

// BenchmarkRelayLatency: one signal at a time from A through the server to B and
// back (one op = one round trip, two relays); with 1,000 peers all 500 rooms do
// it at once. Reports the round trip's median and 99th percentile.
func BenchmarkRelayLatency(b *testing.B) {
	for _, peers := range []int{2, 1000} {
		b.Run(fmt.Sprintf("peers=%d", peers), func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			srv := benchServer(b)
			pairs := pairUp(ctx, b, srv, peers)
			per := max(1, b.N/len(pairs))
			var (
				mu   sync.Mutex
				rtts []time.Duration
				wg   sync.WaitGroup
			)
			b.ResetTimer()
			for _, p := range pairs {
				wg.Go(func() {
					local := make([]time.Duration, 0, per)
					for range per {
						start := time.Now()
						if err := p[0].Signal(ctx, "", candidate); err != nil {
							b.Error(err)
							return
						}
						if _, err := p[1].Receive(ctx); err != nil {
							b.Error(err)
							return
						}
						if err := p[1].Signal(ctx, "", candidate); err != nil {
							b.Error(err)
							return
						}
						if _, err := p[0].Receive(ctx); err != nil {
							b.Error(err)
							return
						}
						local = append(local, time.Since(start))
					}
					mu.Lock()
					rtts = append(rtts, local...)
					mu.Unlock()
				})
			}
			wg.Wait()
			b.StopTimer()
			slices.Sort(rtts)
			if len(rtts) > 0 {
				b.ReportMetric(float64(rtts[len(rtts)/2].Microseconds()), "p50-rtt-µs")
				b.ReportMetric(float64(rtts[len(rtts)*99/100].Microseconds()), "p99-rtt-µs")
				b.ReportMetric(float64(2*len(rtts))/b.Elapsed().Seconds(), "relays/s")
			}
		})
	}
}

// BenchmarkRelayThroughput: A streams signals to B with up to 64 in flight (one
// op = one relayed signal); with 1,000 peers every room streams at once.
func BenchmarkRelayThroughput(b *testing.B) {
	for _, peers := range []int{2, 1000} {
		b.Run(fmt.Sprintf("peers=%d", peers), func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			srv := benchServer(b)
			pairs := pairUp(ctx, b, srv, peers)
			per := max(1, b.N/len(pairs))
			var wg sync.WaitGroup
			b.SetBytes(int64(len(candidate)))
			b.ResetTimer()
			for _, p := range pairs {
				window := make(chan struct{}, 64)
				wg.Go(func() {
					for range per {
						select {
						case window <- struct{}{}:
						case <-ctx.Done():
							return
						}
						if err := p[0].Signal(ctx, "", candidate); err != nil {
							b.Error(err)
							return
						}
					}
				})
				wg.Go(func() {
					for range per {
						if _, err := p[1].Receive(ctx); err != nil {
							b.Error(err)
							return
						}
						<-window
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(per*len(pairs))/b.Elapsed().Seconds(), "relays/s")
		})
	}
}
