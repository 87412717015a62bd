package camera

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/protocol"
)

// sink records what a pacer sends, with the time.
type sink struct {
	mu   sync.Mutex
	sent []string
	at   []time.Time
	err  error
}

func (s *sink) send(_ context.Context, to protocol.ParticipantID, p json.RawMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, string(to)+":"+string(p))
	s.at = append(s.at, time.Now())
	return s.err
}

func (s *sink) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sent...)
}

func testLimits(f func(*Limits)) Limits {
	l := DefaultLimits()
	if f != nil {
		f(&l)
	}
	return l
}

func runPacer(t *testing.T, p *pacer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)
	})
}

func waitSent(t *testing.T, s *sink, n int) []string {
	t.Helper()
	require.Eventually(t, func() bool { return len(s.got()) >= n }, 5*time.Second, time.Millisecond)
	return s.got()
}

func TestPacerRoundRobinAndUrgent(t *testing.T) {
	s := &sink{}
	p := newPacer(testLimits(nil), NewMetrics(), s.send)
	// Queued before the pacer runs, so the order is the pacer's alone.
	for i := range 3 {
		require.NoError(t, p.enqueue(1, "a", json.RawMessage(fmt.Sprint(i)), false))
	}
	require.NoError(t, p.enqueue(2, "b", json.RawMessage("0"), false))
	require.NoError(t, p.enqueue(1, "a", json.RawMessage("9"), true))
	runPacer(t, p)
	assert.Equal(t, []string{"a:9", "b:0", "a:0", "a:1", "a:2"}, waitSent(t, s, 5),
		"urgent first within its queue, queues taken in turns")
}

func TestPacerRate(t *testing.T) {
	s := &sink{}
	p := newPacer(testLimits(func(l *Limits) { l.SignalRate, l.SignalBurst = 50, 5 }), NewMetrics(), s.send)
	for i := range 15 {
		require.NoError(t, p.enqueue(uint64(i%3), "v", json.RawMessage("1"), false))
	}
	runPacer(t, p)
	waitSent(t, s, 15)
	s.mu.Lock()
	defer s.mu.Unlock()
	// 5 at once, then 10 more at 50/s: at least ~200 ms in all.
	assert.GreaterOrEqual(t, s.at[14].Sub(s.at[0]), 150*time.Millisecond)
}

func TestPacerBounds(t *testing.T) {
	m := NewMetrics()
	p := newPacer(testLimits(func(l *Limits) { l.MaxOutgoing, l.MaxOutgoingPerViewer = 5, 3 }), m, (&sink{}).send)
	for range 3 {
		require.NoError(t, p.enqueue(1, "a", json.RawMessage("1"), false))
	}
	require.ErrorIs(t, p.enqueue(1, "a", json.RawMessage("1"), false), ErrSendQueueFull, "per viewer")
	for range 2 {
		require.NoError(t, p.enqueue(2, "b", json.RawMessage("1"), false))
	}
	require.ErrorIs(t, p.enqueue(3, "c", json.RawMessage("1"), false), ErrSendQueueFull, "in all")

	p.close(1)
	require.ErrorIs(t, p.enqueue(1, "a", json.RawMessage("1"), false), errKeyClosed, "nothing queued after close")
	p.mu.Lock()
	assert.Equal(t, 2, p.total)
	p.mu.Unlock()
	p.forget(1)
	require.NoError(t, p.enqueue(1, "a", json.RawMessage("1"), false))
}

func TestPacerDropsClosedBeforeSending(t *testing.T) {
	s := &sink{}
	p := newPacer(testLimits(func(l *Limits) { l.SignalRate, l.SignalBurst = 1, 1 }), NewMetrics(), s.send)
	require.NoError(t, p.enqueue(1, "a", json.RawMessage("1"), false))
	require.NoError(t, p.enqueue(2, "gone", json.RawMessage("1"), false))
	runPacer(t, p)
	waitSent(t, s, 1)
	p.close(2) // the viewer left while its signal waited for a token
	require.NoError(t, p.enqueue(1, "a", json.RawMessage("2"), false))
	assert.Equal(t, []string{"a:1", "a:2"}, waitSent(t, s, 2))
}

func TestPacerSendError(t *testing.T) {
	s := &sink{err: errors.New("connection gone")}
	p := newPacer(testLimits(nil), NewMetrics(), s.send)
	require.NoError(t, p.enqueue(1, "a", json.RawMessage("1"), false))
	require.ErrorContains(t, p.run(context.Background()), "connection gone")
}
