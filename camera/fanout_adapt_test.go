package camera

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/protocol"
)

// ratedTickSource is a tickSource whose bitrate follows rates (RateStreamer): it
// records the bitrate of each start and each rate it was given.
type ratedTickSource struct {
	tickSource
	mu     sync.Mutex
	starts []int // Format.Bitrate of each stream
	rates  []int // every rate taken from the channel
}

func (s *ratedTickSource) StreamRates(ctx context.Context, f Format, keyFrames <-chan struct{}, rates <-chan int, write func(media.Sample) error) error {
	s.mu.Lock()
	s.starts = append(s.starts, f.Bitrate)
	s.mu.Unlock()
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for {
			select {
			case <-inner.Done():
				return
			case r := <-rates:
				s.mu.Lock()
				s.rates = append(s.rates, r)
				s.mu.Unlock()
			}
		}
	}()
	return s.StreamKeyFrames(inner, f, keyFrames, write)
}

func (s *ratedTickSource) last() (starts []int, rate int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.rates) > 0 {
		rate = s.rates[len(s.rates)-1]
	}
	return append([]int(nil), s.starts...), rate
}

// TestFeedFollowsTheLeastTarget: one encoder serves every viewer of a format,
// so its bitrate is the least of their targets: it starts at the first
// viewer's, falls to a thinner viewer's, rises again when that viewer
// leaves, and ignores changes under rateStep.
func TestFeedFollowsTheLeastTarget(t *testing.T) {
	src := &ratedTickSource{}
	o := newFanOut(src, "rate", slog.New(slog.DiscardHandler), NewMetrics(), true)
	f := Format{Width: 320, Height: 240, FPS: 200, Codec: CodecVP8}
	add := func(id string, rate int) *subscription {
		track, err := newTrack(f.Codec)
		require.NoError(t, err)
		return o.add(protocol.ParticipantID(id), f, track, true, rate, nil)
	}
	a := add("a", 1_000_000)
	require.Eventually(t, func() bool { s, _ := src.last(); return len(s) == 1 }, 5*time.Second, time.Millisecond)
	starts, _ := src.last()
	assert.Equal(t, []int{1_000_000}, starts, "the feed starts at its first viewer's target")

	b := add("b", 400_000)
	rateIs := func(want int) {
		t.Helper()
		require.Eventually(t, func() bool { _, r := src.last(); return r == want }, 5*time.Second, time.Millisecond, "rate %d", want)
	}
	rateIs(400_000)
	b.setTarget(405_000) // +1.25 %: under rateStep, not passed on
	a.setTarget(900_000)
	time.Sleep(50 * time.Millisecond)
	_, r := src.last()
	assert.Equal(t, 400_000, r)
	o.unsubscribe(b)
	rateIs(900_000)
	o.unsubscribe(a)
	starts, _ = src.last()
	assert.Len(t, starts, 1, "one encoder for both viewers")
}

// TestFeedRestartsAtTheNewTarget: a source that takes its bitrate only when
// it starts (rpicam) is started again by restart, at once and at its
// viewers' least target.
func TestFeedRestartsAtTheNewTarget(t *testing.T) {
	src := &tickSource{}
	o := newFanOut(src, "tick", slog.New(slog.DiscardHandler), NewMetrics(), false)
	f := Format{Width: 320, Height: 240, FPS: 200, Codec: CodecVP8}
	track, err := newTrack(f.Codec)
	require.NoError(t, err)
	a := o.add("a", f, track, true, 2_000_000, nil)
	defer o.unsubscribe(a)
	require.Eventually(t, func() bool { return src.keys.Load() == 1 }, 5*time.Second, time.Millisecond)
	a.setTarget(500_000) // not adaptive: no rate channel, nothing happens until restart
	a.feed.mu.Lock()
	assert.Equal(t, 2_000_000, a.feed.rate)
	a.feed.mu.Unlock()
	a.feed.restart()
	require.Eventually(t, func() bool { return src.keys.Load() == 2 }, time.Second, time.Millisecond,
		"a new stream (its first frame is a key frame) without the retry delay")
	a.feed.mu.Lock()
	assert.Equal(t, 500_000, a.feed.rate)
	a.feed.mu.Unlock()
}
