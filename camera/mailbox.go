package camera

import "sync"

// mailbox is a queue with a wake-up channel. pion's callbacks put events in it
// without ever blocking (a blocked callback could stall the PeerConnection that
// the session goroutine is calling into); the session goroutine drains it. The
// viewer's signals go in through putBounded, so a viewer cannot grow it without
// bound; the camera's own events (candidates, states, timers) are few.
type mailbox struct {
	mu      sync.Mutex
	items   []any
	bounded int // items put by putBounded that are still queued
	ready   chan struct{}
}

func newMailbox() *mailbox { return &mailbox{ready: make(chan struct{}, 1)} }

// put appends v and wakes the reader.
func (m *mailbox) put(v any) {
	m.mu.Lock()
	m.items = append(m.items, v)
	m.mu.Unlock()
	m.wake()
}

// putBounded appends v unless max items put by putBounded are already queued;
// it reports whether v was queued.
func (m *mailbox) putBounded(v any, max int) bool {
	m.mu.Lock()
	if m.bounded >= max {
		m.mu.Unlock()
		return false
	}
	m.items = append(m.items, v)
	m.bounded++
	m.mu.Unlock()
	m.wake()
	return true
}

func (m *mailbox) wake() {
	select {
	case m.ready <- struct{}{}:
	default:
	}
}

// drain takes all queued items, oldest first.
func (m *mailbox) drain() []any {
	m.mu.Lock()
	defer m.mu.Unlock()
	items := m.items
	m.items = nil
	m.bounded = 0
	return items
}
