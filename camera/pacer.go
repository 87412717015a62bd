package camera

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/time/rate"

	"echtzeit/signaling/protocol"
)

// pacer sends the camera's signals over its signaling connection at no more than
// Limits.SignalRate (burst Limits.SignalBurst), under the server's limit for one
// connection (DESIGN.md "Hostile peers"), whatever the viewers do. Sessions and
// the registry only queue (never block, never touch the network); one goroutine,
// run, sends. Each queue belongs to one key (a session, or a viewer waiting for
// its session) and the queues are served round-robin, so one viewer's signals
// cannot hold back another's. A closed key's signals are dropped, and so is
// anything queued for it later: signals for a viewer that is gone are never sent.
// The mutex guards only the queues and is never held across I/O.
type pacer struct {
	send    func(ctx context.Context, to protocol.ParticipantID, p json.RawMessage) error
	limiter *rate.Limiter
	maxAll  int
	maxEach int
	metrics *Metrics

	mu     sync.Mutex
	queues map[uint64]*outQueue
	order  []uint64            // keys with queued signals, next first
	closed map[uint64]struct{} // keys whose owner may still enqueue, to drop
	total  int
	wake   chan struct{}
}

type outQueue struct {
	to    protocol.ParticipantID
	items []json.RawMessage
}

// errKeyClosed is returned by enqueue for a closed key: the session is ending.
var errKeyClosed = errors.New("signals to this viewer are no longer sent")

func newPacer(l Limits, m *Metrics, send func(context.Context, protocol.ParticipantID, json.RawMessage) error) *pacer {
	return &pacer{
		send:    send,
		limiter: rate.NewLimiter(rate.Limit(l.SignalRate), l.SignalBurst),
		maxAll:  l.MaxOutgoing,
		maxEach: l.MaxOutgoingPerViewer,
		metrics: m,
		queues:  map[uint64]*outQueue{},
		closed:  map[uint64]struct{}{},
		wake:    make(chan struct{}, 1),
	}
}

// enqueue queues payload for viewer to under key. urgent signals (answers to a
// viewer's request) go before the key's other queued signals. It returns
// ErrSendQueueFull when the key's queue or the pacer is full, and errKeyClosed
// after close(key).
func (p *pacer) enqueue(key uint64, to protocol.ParticipantID, payload json.RawMessage, urgent bool) error {
	p.mu.Lock()
	if _, ok := p.closed[key]; ok {
		p.mu.Unlock()
		p.metrics.SignalDropped(dropViewerGone)
		return errKeyClosed
	}
	q := p.queues[key]
	if q == nil {
		q = &outQueue{to: to}
	}
	if len(q.items) >= p.maxEach || p.total >= p.maxAll {
		n := len(q.items)
		p.mu.Unlock()
		p.metrics.SignalDropped(dropQueueFull)
		return fmt.Errorf("%w: %d queued for this viewer, %d in all", ErrSendQueueFull, n, p.maxAll)
	}
	if len(q.items) == 0 {
		p.queues[key] = q
		p.order = append(p.order, key)
	}
	if urgent {
		q.items = append([]json.RawMessage{payload}, q.items...)
	} else {
		q.items = append(q.items, payload)
	}
	p.total++
	p.metrics.SetSignalQueue(p.total)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return nil
}

// close drops the signals queued under key and refuses new ones until forget.
func (p *pacer) close(key uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed[key] = struct{}{}
	q := p.queues[key]
	if q == nil {
		return
	}
	delete(p.queues, key)
	for i, k := range p.order {
		if k == key {
			p.order = append(p.order[:i], p.order[i+1:]...)
			break
		}
	}
	p.total -= len(q.items)
	p.metrics.SetSignalQueue(p.total)
	for range q.items {
		p.metrics.SignalDropped(dropViewerGone)
	}
}

// forget releases a closed key once nothing can enqueue under it any more.
func (p *pacer) forget(key uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.closed, key)
}

// next takes the head of the next key's queue (round-robin).
func (p *pacer) next() (protocol.ParticipantID, json.RawMessage, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.order) == 0 {
		return "", nil, false
	}
	key := p.order[0]
	p.order = p.order[1:]
	q := p.queues[key]
	payload := q.items[0]
	q.items = q.items[1:]
	if len(q.items) == 0 {
		delete(p.queues, key)
	} else {
		p.order = append(p.order, key)
	}
	p.total--
	p.metrics.SetSignalQueue(p.total)
	return q.to, payload, true
}

// run sends queued signals until ctx is done or a send fails (the connection is
// gone); it returns that error.
func (p *pacer) run(ctx context.Context) error {
	for {
		// Wait for a token first, then take the signal: a viewer that leaves
		// while the pacer waits has its signal dropped, not sent late.
		if err := p.limiter.Wait(ctx); err != nil {
			return ctx.Err()
		}
		to, payload, ok := p.next()
		for !ok {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-p.wake:
			}
			to, payload, ok = p.next()
		}
		if err := p.send(ctx, to, payload); err != nil {
			return fmt.Errorf("send signal: %w", err)
		}
		p.metrics.SignalSent()
	}
}
