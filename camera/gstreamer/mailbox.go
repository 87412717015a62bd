package gstreamer

import "sync"

// mailbox is an unbounded queue with a wake-up channel (the echtzeit camera's
// model, camera/mailbox.go): GStreamer's threads put events in it without ever
// blocking, the session goroutine drains it.
type mailbox struct {
	mu    sync.Mutex
	items []any
	ready chan struct{}
}

func newMailbox() *mailbox { return &mailbox{ready: make(chan struct{}, 1)} }

// put appends v and wakes the reader.
func (m *mailbox) put(v any) {
	m.mu.Lock()
	m.items = append(m.items, v)
	m.mu.Unlock()
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
	return items
}
