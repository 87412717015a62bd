package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"echtzeit/harness/results"
	"echtzeit/harness/stats"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
)

// dialConcurrency bounds the connections a load trial opens at once.
const dialConcurrency = 32

// loadSignal is the payload of a load client's signals: a sequence number, the
// send time and padding up to the configured size.
type loadSignal struct {
	Load struct {
		Seq  int64  `json:"seq"`
		Sent int64  `json:"sent"` // Unix ns
		Pad  string `json:"pad"`
	} `json:"load"`
}

// loadClient is one participant of a signaling-load trial.
type loadClient struct {
	c    *client.Client
	peer protocol.ParticipantID

	mu        sync.Mutex
	latencies []float64 // ms, of signals received inside the window
}

// loadRun is a signaling-load trial in progress.
type loadRun struct {
	ep          *endpoint
	n           int
	rate        float64
	signalBytes int
	logger      *slog.Logger

	clients   []*loadClient
	sent      atomic.Int64
	delivered atomic.Int64
	measuring atomic.Bool
	winDeliv  atomic.Int64 // delivered inside the window
	winSent   atomic.Int64 // sent inside the window
	connectMs float64
	failures  int
}

// connect dials n clients (bounded concurrency) and pairs them into n/2 rooms.
// Clients that fail to connect or join are counted, not fatal, unless all fail.
func (l *loadRun) connect(ctx context.Context) error {
	start := time.Now()
	type pair struct{ a, b *loadClient }
	pairs := make([]pair, l.n/2)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, dialConcurrency)
	for i := range pairs {
		if ctx.Err() != nil {
			break
		}
		room := protocol.NewRoomID()
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			a, errA := l.dialJoin(ctx, room)
			b, errB := l.dialJoin(ctx, room)
			mu.Lock()
			defer mu.Unlock()
			if err := errors.Join(errA, errB); err != nil {
				l.failures += countErrs(errA, errB)
				if firstErr == nil {
					firstErr = err
				}
				closeLoad(a, b)
				return
			}
			a.peer, b.peer = b.c.ID(), a.c.ID()
			pairs[i] = pair{a, b}
		}()
	}
	wg.Wait()
	for _, p := range pairs {
		if p.a != nil {
			l.clients = append(l.clients, p.a, p.b)
		}
	}
	l.connectMs = float64(time.Since(start).Microseconds()) / 1000
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(l.clients) == 0 {
		return fmt.Errorf("no load client connected: %w", firstErr)
	}
	if firstErr != nil {
		l.logger.Warn("load clients failed to connect", "failed", l.failures, "first", firstErr)
	}
	return nil
}

func countErrs(errs ...error) int {
	n := 0
	for _, e := range errs {
		if e != nil {
			n++
		}
	}
	return n
}

func closeLoad(cs ...*loadClient) {
	for _, c := range cs {
		if c != nil {
			_ = c.c.Close()
		}
	}
}

func (l *loadRun) dialJoin(ctx context.Context, room protocol.RoomID) (*loadClient, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, l.ep.wsURL, l.ep.opts...)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	if _, err := c.Join(ctx, room); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("join room: %w", err)
	}
	return &loadClient{c: c}, nil
}

// runSenders sends until ctx ends and returns once every sender has stopped.
func (l *loadRun) runSenders(ctx context.Context) {
	pad := strings.Repeat("x", max(0, l.signalBytes-60))
	interval := time.Duration(float64(time.Second) / l.rate)
	var wg sync.WaitGroup
	for _, lc := range l.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.send(ctx, lc, interval, pad)
		}()
	}
	wg.Wait()
}

// runReceivers receives until ctx ends and returns once every receiver has
// stopped.
func (l *loadRun) runReceivers(ctx context.Context) {
	var wg sync.WaitGroup
	for _, lc := range l.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.receive(ctx, lc)
		}()
	}
	wg.Wait()
}

func (l *loadRun) send(ctx context.Context, lc *loadClient, interval time.Duration, pad string) {
	// Spread the clients' sends over the interval.
	select {
	case <-ctx.Done():
		return
	case <-time.After(time.Duration(rand.Int64N(int64(interval)))):
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var seq int64
	for {
		var s loadSignal
		seq++
		s.Load.Seq, s.Load.Sent, s.Load.Pad = seq, time.Now().UnixNano(), pad
		raw, err := json.Marshal(s)
		if err != nil {
			return
		}
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = lc.c.Signal(sctx, lc.peer, raw)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				l.logger.Debug("load send failed", "err", err)
			}
			return
		}
		l.sent.Add(1)
		if l.measuring.Load() {
			l.winSent.Add(1)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (l *loadRun) receive(ctx context.Context, lc *loadClient) {
	for {
		m, err := lc.c.Receive(ctx)
		if err != nil {
			return
		}
		rs, ok := m.(protocol.RoomSignal)
		if !ok {
			continue
		}
		var s loadSignal
		if json.Unmarshal(rs.Signal, &s) != nil || s.Load.Sent == 0 {
			continue
		}
		l.delivered.Add(1)
		if l.measuring.Load() {
			l.winDeliv.Add(1)
			lat := float64(time.Now().UnixNano()-s.Load.Sent) / 1e6
			lc.mu.Lock()
			lc.latencies = append(lc.latencies, lat)
			lc.mu.Unlock()
		}
	}
}

func (l *loadRun) close() {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, lc := range l.clients {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			_ = lc.c.Close()
			<-sem
		}()
	}
	wg.Wait()
}

// figures summarises the trial; window is the measurement window's length.
func (l *loadRun) figures(window time.Duration) *results.SignalingLoad {
	var lat []float64
	for _, lc := range l.clients {
		lc.mu.Lock()
		lat = append(lat, lc.latencies...)
		lc.mu.Unlock()
	}
	sent, deliv := l.sent.Load(), l.delivered.Load()
	f := &results.SignalingLoad{
		Connections:       len(l.clients),
		ConnectFailures:   l.failures,
		Rooms:             len(l.clients) / 2,
		MessagesSent:      sent,
		MessagesDelivered: deliv,
		MessagesLost:      max(0, sent-deliv),
		SignalBytes:       l.signalBytes,
		ConnectMs:         l.connectMs,
	}
	if window > 0 {
		f.MessagesPerSecond = float64(l.winDeliv.Load()) / window.Seconds()
		f.SentPerSecond = float64(l.winSent.Load()) / window.Seconds()
	}
	if p, err := stats.Percentile(lat, 50); err == nil {
		f.RelayLatencyP50Ms = p
	}
	if p, err := stats.Percentile(lat, 95); err == nil {
		f.RelayLatencyP95Ms = p
	}
	return f
}
