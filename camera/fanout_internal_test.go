package camera

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/protocol"
)

// tickSource is a VP8 KeyFrameStreamer that writes a frame every 5 ms: a key
// frame first and whenever one is asked for, inter frames otherwise.
type tickSource struct {
	keys, frames atomic.Int64
}

func (s *tickSource) Codec() string { return CodecVP8 }

func (s *tickSource) Stream(ctx context.Context, f Format, write func(media.Sample) error) error {
	return s.StreamKeyFrames(ctx, f, nil, write)
}

func (s *tickSource) StreamKeyFrames(ctx context.Context, _ Format, keyFrames <-chan struct{}, write func(media.Sample) error) error {
	key := true
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-keyFrames:
			key = true
			continue
		case <-t.C:
		}
		data := []byte{0x31, 0, 0, 0} // inter frame
		if key {
			data = []byte{0x10, 0x02, 0x00, 0x9d}
			s.keys.Add(1)
		}
		key = false
		s.frames.Add(1)
		if err := write(media.Sample{Data: data, Duration: 5 * time.Millisecond}); err != nil {
			return err
		}
	}
}

func newTestFanOut(t *testing.T) (*fanOut, *tickSource, *Metrics) {
	t.Helper()
	src := &tickSource{}
	m := NewMetrics()
	return newFanOut(src, "tick", slog.New(slog.DiscardHandler), m, false), src, m
}

func subscribeTrack(t *testing.T, o *fanOut, id string, f Format) *subscription {
	t.Helper()
	track, err := newTrack(f.Codec)
	require.NoError(t, err)
	return o.subscribe(protocol.ParticipantID(id), f, track)
}

// TestKeyFrameRequestsAreRateLimited: a burst of picture loss indications
// from one viewer forces at most one key frame per keyFrameMinInterval for
// every viewer of the feed, and the last request is still served.
func TestKeyFrameRequestsAreRateLimited(t *testing.T) {
	o, src, m := newTestFanOut(t)
	f := Format{Width: 320, Height: 240, FPS: 200, Codec: CodecVP8}
	a := subscribeTrack(t, o, "a", f)
	b := subscribeTrack(t, o, "b", f)
	defer o.unsubscribe(b)
	require.Eventually(t, func() bool { return src.frames.Load() > 10 }, 5*time.Second, time.Millisecond)
	keysBefore := src.keys.Load()

	start := time.Now()
	n := 0
	for time.Since(start) < keyFrameMinInterval {
		a.keyFrame() // a lossy viewer: a PLI every 10 ms
		n++
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(keyFrameMinInterval + 100*time.Millisecond)
	forced := src.keys.Load() - keysBefore
	assert.GreaterOrEqual(t, forced, int64(1), "the requests are served")
	assert.LessOrEqual(t, forced, int64(3), "%d requests, at most one key frame per %s", n, keyFrameMinInterval)
	o.unsubscribe(a)
	assert.Equal(t, float64(n+1), counterValue(t, m, "echtzeit_camera_keyframe_requests_total"), "every request is counted (and b's arrival)")
	// Every key frame but the encoder's first was forced; b's arrival may have
	// asked for one before that first frame went out (the two are one frame).
	assert.InDelta(t, float64(src.keys.Load()-1), counterValue(t, m, "echtzeit_camera_keyframes_forced_total"), 1)
}

// TestNewViewerWaitsForKeyFrame: a viewer that joins a running feed gets no
// inter frame before its first key frame, which its arrival asks for.
func TestNewViewerWaitsForKeyFrame(t *testing.T) {
	o, src, m := newTestFanOut(t)
	f := Format{Width: 320, Height: 240, FPS: 200, Codec: CodecVP8}
	a := subscribeTrack(t, o, "a", f)
	defer o.unsubscribe(a)
	require.Eventually(t, func() bool { return src.frames.Load() > 3*int64(keyFrameMinInterval/(5*time.Millisecond)) }, 5*time.Second, time.Millisecond,
		"run past the rate limit of the first key frame")
	keys := src.keys.Load()
	b := subscribeTrack(t, o, "b", f)
	require.Eventually(t, func() bool { return src.keys.Load() > keys }, 2*time.Second, time.Millisecond, "the newcomer's arrival forces a key frame")
	require.Eventually(t, func() bool { return !b.awaitKey.Load() }, 2*time.Second, time.Millisecond)
	o.unsubscribe(b)
	assert.Equal(t, 1.0, counterValue(t, m, "echtzeit_camera_encoders"), "a's feed keeps running")
}

func counterValue(t *testing.T, m *Metrics, name string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == name && len(f.GetMetric()) > 0 {
			x := f.GetMetric()[0]
			if x.GetCounter() != nil {
				return x.GetCounter().GetValue()
			}
			return x.GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// TestWarmViewerGetsTheHeldKeyFrameAtOnce: while its only viewer connects,
// a feed makes every frame a key frame and holds the newest; the viewer gets
// it the moment it connects, without waiting for the encoder, and after it
// inter frames again, none of them twice.
func TestWarmViewerGetsTheHeldKeyFrameAtOnce(t *testing.T) {
	o, src, m := newTestFanOut(t)
	f := Format{Width: 320, Height: 240, FPS: 200, Codec: CodecVP8}
	track, err := newTrack(f.Codec)
	require.NoError(t, err)
	sub := o.subscribeWarm("a", f, track)
	defer o.unsubscribe(sub)
	require.Eventually(t, func() bool { return src.frames.Load() > 20 }, 5*time.Second, time.Millisecond)
	frames := src.frames.Load()
	assert.GreaterOrEqual(t, src.keys.Load(), frames-1, "while warm every frame is a key frame")
	assert.Equal(t, 0.0, viewerFramesSent(t, m, "a"), "nothing goes to a viewer that is not connected")

	frames = src.frames.Load()
	sub.activate()
	assert.False(t, sub.awaitKey.Load(), "the held key frame went out in activate")
	assert.GreaterOrEqual(t, viewerFramesSent(t, m, "a"), 1.0)
	assert.Equal(t, 1.0, counterValue(t, m, "echtzeit_camera_keyframes_held_total"))
	keys := src.keys.Load()
	require.Eventually(t, func() bool { return src.frames.Load() > frames+40 }, 5*time.Second, time.Millisecond)
	assert.LessOrEqual(t, src.keys.Load(), keys+2, "connected, the feed encodes inter frames again")
	sent, produced := viewerFramesSent(t, m, "a"), float64(src.frames.Load()-frames)
	// The held frame is one of those up to frames, or the next.
	assert.LessOrEqual(t, sent, produced+1, "no frame is sent twice")
	assert.GreaterOrEqual(t, sent, produced-1, "and none is lost")
}

// TestHeldKeyFrame: what a warm feed holds for a frame sequence: the
// newest key picture with the samples without a picture just before it.
func TestHeldKeyFrame(t *testing.T) {
	type step struct{ key, picture bool }
	params, idr, delta := step{true, false}, step{true, true}, step{false, true}
	sei := step{false, false}
	tests := []struct {
		name  string
		steps []step
		held  []int // indexes of the steps held, none: nothing
	}{
		{"key frame", []step{idr}, []int{0}},
		{"the newest key frame", []step{idr, idr, idr}, []int{2}},
		{"parameter sets sent apart", []step{params, idr}, []int{0, 1}},
		{"parameter sets then a new key frame", []step{params, idr, params, sei, idr}, []int{2, 3, 4}},
		{"a sample without a picture after a key frame", []step{idr, sei, idr}, []int{1, 2}},
		{"inter frame after it", []step{idr, delta}, nil},
		{"key frame after an inter frame", []step{idr, delta, idr}, []int{2}},
		{"the next frame's parameter sets not yet followed by it", []step{idr, params}, []int{0}},
		{"nothing before a key frame", []step{sei, delta}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h heldKey
			for i, s := range tt.steps {
				d := time.Duration(0)
				if s.picture {
					d = time.Millisecond
				}
				h.add(uint64(i+1), media.Sample{Data: []byte{byte(i)}, Duration: d}, s.key, s.picture)
			}
			samples, seq := h.take()
			var got []int
			for _, s := range samples {
				got = append(got, int(s.Data[0]))
			}
			assert.Equal(t, tt.held, got)
			if len(tt.held) > 0 {
				assert.Equal(t, uint64(tt.held[len(tt.held)-1]+1), seq, "the number of the picture")
			}
			again, _ := h.take()
			assert.Nil(t, again, "taken once")
		})
	}
}

func viewerFramesSent(t *testing.T, m *Metrics, viewer string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != "echtzeit_camera_viewer_frames_sent_total" {
			continue
		}
		for _, x := range f.GetMetric() {
			if x.GetLabel()[0].GetValue() == viewer {
				return x.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestWarmKeyFramesAreBounded: a viewer that never connects makes its feed
// encode key frames for warmKeyFrames frames, then inter frames; if it
// connects after all, it gets a key frame asked for then.
func TestWarmKeyFramesAreBounded(t *testing.T) {
	o, src, m := newTestFanOut(t)
	f := Format{Width: 320, Height: 240, FPS: 20, Codec: CodecVP8} // 40 warm key frames, at 5 ms a frame
	track, err := newTrack(f.Codec)
	require.NoError(t, err)
	sub := o.subscribeWarm("a", f, track)
	defer o.unsubscribe(sub)
	limit := int64(warmKeyFrames(f))
	require.Eventually(t, func() bool { return src.frames.Load() > 3*limit }, 5*time.Second, time.Millisecond)
	keys := src.keys.Load()
	assert.InDelta(t, limit+1, keys, 1, "the encoder's first frame and the warm key frames after it")
	assert.Equal(t, float64(limit), counterValue(t, m, "echtzeit_camera_keyframes_warm_total"))

	sub.activate()
	assert.Equal(t, 0.0, counterValue(t, m, "echtzeit_camera_keyframes_held_total"), "no key frame is held after inter frames")
	require.Eventually(t, func() bool { return !sub.awaitKey.Load() }, 5*time.Second, time.Millisecond, "the key frame asked for at the connection comes")
}
