package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
)

// steadySignal is the payload of a steady signal: send time and padding.
type steadySignal struct {
	Load struct {
		Seq  int64  `json:"seq"`
		Sent int64  `json:"sent"` // Unix ns
		Pad  string `json:"pad"`
	} `json:"load"`
}

// participant is one connection of the run.
type participant struct {
	c *client.Client
	// offerer is the room's first member (it receives Room/Join and offers).
	offerer bool

	mu        sync.Mutex
	latencies []float64 // ms, of steady signals sent in the measured phase

	// Session progress: the peer's description and end of candidates.
	gotDescription, gotEnd bool
	sessionDone            chan struct{} // closed when both arrived
	doneAt                 time.Time
}

// counters are shared by every participant of a run.
type counters struct {
	sent, delivered atomic.Int64
	measuring       atomic.Bool
}

// pair is one room.
type pair struct {
	a, b  *participant
	start time.Time
}

// setupTime is the time from the room's first dial until both members had
// their session.
func (pr *pair) setupTime() time.Duration {
	pr.a.mu.Lock()
	a := pr.a.doneAt
	pr.a.mu.Unlock()
	pr.b.mu.Lock()
	b := pr.b.doneAt
	pr.b.mu.Unlock()
	if b.After(a) {
		a = b
	}
	return a.Sub(pr.start)
}

func (p *participant) markSession(kind sessionSignalKind) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch kind {
	case kindDescription:
		p.gotDescription = true
	case kindEndOfCandidates:
		p.gotEnd = true
	}
	if p.gotDescription && p.gotEnd && p.sessionDone != nil {
		select {
		case <-p.sessionDone:
		default:
			p.doneAt = time.Now()
			close(p.sessionDone)
		}
	}
}

// receive handles incoming messages until ctx ends or the connection does.
func (p *participant) receive(ctx context.Context, mode Mode, script sessionScript, cnt *counters) {
	for {
		m, err := p.c.Receive(ctx)
		if err != nil {
			return
		}
		switch m := m.(type) {
		case protocol.RoomJoin:
			if mode == ModeSession && p.offerer {
				p.sendAll(ctx, script.offer, cnt)
			}
		case protocol.RoomSignal:
			switch mode {
			case ModeSteady:
				p.steadyReceived(m.Signal, cnt)
			case ModeSession:
				cnt.delivered.Add(1)
				kind := classify(m.Signal)
				if kind == kindDescription && !p.offerer {
					// Answer as soon as the offer is in, like a page does.
					p.sendAll(ctx, script.answer, cnt)
				}
				p.markSession(kind)
			}
		}
	}
}

func (p *participant) steadyReceived(signal json.RawMessage, cnt *counters) {
	var s steadySignal
	if json.Unmarshal(signal, &s) != nil || s.Load.Sent == 0 {
		return
	}
	cnt.delivered.Add(1)
	if cnt.measuring.Load() {
		lat := float64(time.Now().UnixNano()-s.Load.Sent) / 1e6
		p.mu.Lock()
		p.latencies = append(p.latencies, lat)
		p.mu.Unlock()
	}
}

// sendAll sends signals in order.
func (p *participant) sendAll(ctx context.Context, signals sessionSignals, cnt *counters) {
	for _, s := range signals {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := p.c.Signal(sctx, "", s)
		cancel()
		if err != nil {
			return
		}
		cnt.sent.Add(1)
	}
}

// sendSteady sends one signal every interval from start until ctx ends. With
// aligned every participant sends at start + k·interval, all at once;
// otherwise each keeps a random phase of its own, so the sends spread over the
// interval as independent users' would.
func (p *participant) sendSteady(ctx context.Context, start time.Time, interval time.Duration, aligned bool, pad string, cnt *counters) {
	next := start
	if !aligned {
		next = next.Add(time.Duration(rand.Int64N(int64(interval))))
	}
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	var seq int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		var s steadySignal
		seq++
		s.Load.Seq, s.Load.Sent, s.Load.Pad = seq, time.Now().UnixNano(), pad
		raw, err := json.Marshal(s)
		if err != nil {
			return
		}
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = p.c.Signal(sctx, "", raw)
		cancel()
		if err != nil {
			return
		}
		cnt.sent.Add(1)
		// A fixed schedule: a late send does not shift the ones after it.
		next = next.Add(interval)
		if d := time.Until(next); d > 0 {
			timer.Reset(d)
		} else {
			next = time.Now()
			timer.Reset(0)
		}
	}
}

// steadyPad is the padding that brings a steady signal to about size bytes.
func steadyPad(size int) string { return strings.Repeat("x", max(0, size-60)) }

// dialJoin connects one participant and joins room.
func dialJoin(ctx context.Context, url string, room protocol.RoomID, opts []client.Option) (*participant, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, url, opts...)
	if err != nil {
		return nil, err
	}
	if _, err := c.Join(ctx, room); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("join room: %w", err)
	}
	return &participant{c: c}, nil
}

// closeAll closes the participants' connections, 64 at a time.
func closeAll(ps []*participant) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, p := range ps {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_ = p.c.Close()
		})
	}
	wg.Wait()
}

var errNoneConnected = errors.New("no participant connected")
