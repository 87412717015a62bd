package harness

import (
	"context"
	"fmt"
	"time"

	"echtzeit/harness/probe"
	"echtzeit/harness/results"
	"echtzeit/internal/contract"
)

// relayReading is one reading of the TURN server's counters on the signaling
// server's /metrics.
type relayReading struct {
	at               time.Time
	toPeer, fromPeer float64
	allocations      float64
}

// readRelay reads the embedded TURN server's counters.
func readRelay(ctx context.Context, ep *endpoint) (relayReading, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	m, err := probe.Scrape(ctx, ep.http, ep.metricsURL)
	if err != nil {
		return relayReading{}, err
	}
	alloc, ok := m[contract.MetricTURNAllocations]
	if !ok {
		return relayReading{}, fmt.Errorf("%s has no %s", ep.metricsURL, contract.MetricTURNAllocations)
	}
	return relayReading{
		at:          time.Now(),
		toPeer:      m[contract.Series(contract.MetricTURNRelayedBytes, "direction", contract.TURNToPeer)],
		fromPeer:    m[contract.Series(contract.MetricTURNRelayedBytes, "direction", contract.TURNFromPeer)],
		allocations: alloc,
	}, nil
}

// relayStats summarises the window between two readings.
func relayStats(a, b relayReading) *results.RelayStats {
	s := &results.RelayStats{
		BytesToPeer:   int64(b.toPeer - a.toPeer),
		BytesFromPeer: int64(b.fromPeer - a.fromPeer),
		Allocations:   int(b.allocations),
	}
	if dt := b.at.Sub(a.at).Seconds(); dt > 0 {
		s.Kbps = (b.toPeer - a.toPeer + b.fromPeer - a.fromPeer) * 8 / 1000 / dt
	}
	return s
}
