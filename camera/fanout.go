package camera

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"echtzeit/signaling/protocol"
)

// keyFrameMinInterval is the shortest time between two key frames the
// camera forces: a picture loss or a new viewer asks for one, and every
// viewer of the format receives it, so a viewer on a lossy link must not
// make the others pay a key frame per loss (each costs several inter
// frames' worth of bits). Requests inside the interval are served together
// at its end.
const keyFrameMinInterval = 500 * time.Millisecond

// fanOut shares the camera's encoders between its viewers (thesis §3.1.2):
// one feed per format runs the source once, and each frame it encodes goes
// to every viewer of that format. In peer-to-peer each viewer still gets its
// own copy of every packet (the uplink grows with the viewers); the encoding
// does not.
type fanOut struct {
	src     EncodedSource
	srcName string
	log     *slog.Logger
	metrics *Metrics

	mu    sync.Mutex // guards feeds; held while a feed stops, so a device is never opened twice
	feeds map[Format]*feed
}

func newFanOut(src EncodedSource, srcName string, log *slog.Logger, m *Metrics) *fanOut {
	return &fanOut{src: src, srcName: srcName, log: log, metrics: m, feeds: map[Format]*feed{}}
}

// subscribe sends the frames of format f to track from the next key frame
// on, starting the format's feed when it is the first viewer of f.
func (o *fanOut) subscribe(viewer protocol.ParticipantID, f Format, track *webrtc.TrackLocalStaticSample) *subscription {
	return o.add(viewer, f, track, true)
}

// subscribeWarm is subscribe for a viewer that is not connected yet: the
// feed starts (or runs on), but the viewer gets nothing until activate.
func (o *fanOut) subscribeWarm(viewer protocol.ParticipantID, f Format, track *webrtc.TrackLocalStaticSample) *subscription {
	return o.add(viewer, f, track, false)
}

func (o *fanOut) add(viewer protocol.ParticipantID, f Format, track *webrtc.TrackLocalStaticSample, active bool) *subscription {
	sub := &subscription{viewer: viewer, track: track, codec: f.Codec, metrics: o.metrics}
	sub.awaitKey.Store(true)
	sub.active.Store(active)
	o.mu.Lock()
	defer o.mu.Unlock()
	fd := o.feeds[f]
	if fd == nil {
		fd = o.start(f)
		o.feeds[f] = fd
	}
	sub.feed = fd
	fd.add(sub)
	o.metrics.ViewerSubscribed(viewer)
	return sub
}

// unsubscribe stops sending to sub; the last viewer of a format stops its feed.
func (o *fanOut) unsubscribe(sub *subscription) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fd := sub.feed
	if fd.remove(sub) == 0 && o.feeds[fd.format] == fd {
		delete(o.feeds, fd.format)
		fd.stop()
	}
	o.metrics.ViewerUnsubscribed(sub.viewer)
}

// feed is one running source (and encoder) for one format.
type feed struct {
	format Format
	o      *fanOut
	subs   atomic.Pointer[[]*subscription] // copy on write: the source goroutine reads it without a lock

	keyFrames chan struct{} // to the source, capacity 1
	cancel    context.CancelFunc
	done      chan struct{}

	mu       sync.Mutex // guards the fields below
	lastKey  time.Time  // when the last key frame went out (forced or periodic)
	keyTimer *time.Timer
}

// start starts the feed of f (o.mu held).
func (o *fanOut) start(f Format) *feed {
	ctx, cancel := context.WithCancel(context.Background())
	fd := &feed{format: f, o: o, keyFrames: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	fd.subs.Store(&[]*subscription{})
	o.metrics.EncoderStarted(f, o.srcName)
	o.log.Debug("encoder feed started", "format", f.String())
	go fd.run(ctx)
	return fd
}

func (fd *feed) add(sub *subscription) {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	old := *fd.subs.Load()
	next := append(append(make([]*subscription, 0, len(old)+1), old...), sub)
	fd.subs.Store(&next)
	if len(old) > 0 && sub.active.Load() {
		// A running stream: the newcomer needs a key frame. The first viewer
		// gets the new encoder's first frame, which is one.
		fd.newcomerKeyFrameLocked()
	}
}

// newcomerKeyFrameLocked forces a key frame now for a viewer that has none
// yet: each newcomer needs one, so its request does not wait out
// keyFrameMinInterval (fd.mu held).
func (fd *feed) newcomerKeyFrameLocked() {
	fd.o.metrics.KeyFrameRequested()
	if fd.keyTimer != nil {
		fd.keyTimer.Stop()
		fd.keyTimer = nil
	}
	fd.forceKeyFrame()
}

// remove drops sub and returns how many subscribers are left.
func (fd *feed) remove(sub *subscription) int {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	old := *fd.subs.Load()
	next := make([]*subscription, 0, len(old))
	for _, s := range old {
		if s != sub {
			next = append(next, s)
		}
	}
	fd.subs.Store(&next)
	return len(next)
}

// stop ends the source and waits for it.
func (fd *feed) stop() {
	fd.cancel()
	<-fd.done
	fd.mu.Lock()
	if fd.keyTimer != nil {
		fd.keyTimer.Stop()
	}
	fd.mu.Unlock()
	fd.o.metrics.EncoderStopped()
	fd.o.log.Debug("encoder feed stopped", "format", fd.format.String())
}

// requestKeyFrame asks for a key frame for every viewer of the feed, at most
// one per keyFrameMinInterval.
func (fd *feed) requestKeyFrame() {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	fd.requestKeyFrameLocked()
}

func (fd *feed) requestKeyFrameLocked() {
	fd.o.metrics.KeyFrameRequested()
	if fd.keyTimer != nil {
		return // one is on its way
	}
	if wait := time.Until(fd.lastKey.Add(keyFrameMinInterval)); wait > 0 {
		fd.keyTimer = time.AfterFunc(wait, func() {
			fd.mu.Lock()
			defer fd.mu.Unlock()
			fd.keyTimer = nil
			fd.forceKeyFrame()
		})
		return
	}
	fd.forceKeyFrame()
}

// forceKeyFrame asks the source for a key frame now (fd.mu held).
func (fd *feed) forceKeyFrame() {
	select {
	case fd.keyFrames <- struct{}{}:
		fd.o.metrics.KeyFrameForced()
		fd.lastKey = time.Now() // until the frame itself updates it
	default: // one is already asked for
	}
}

// run streams the source until ctx is cancelled, starting it again after a
// failure.
func (fd *feed) run(ctx context.Context) {
	defer close(fd.done)
	o := fd.o
	for {
		err := fd.stream(ctx)
		if ctx.Err() != nil {
			return
		}
		o.log.Warn("source stopped; starting it again", "format", fd.format.String(), "err", err, "retry_in", streamRetryDelay)
		t := time.NewTimer(streamRetryDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// stream runs the source once; every sample goes to every subscriber.
func (fd *feed) stream(ctx context.Context) error {
	o := fd.o
	_, selfCounting := o.src.(FrameCounter)
	write := func(sample media.Sample) error {
		picture := sample.Duration > 0
		if picture && !selfCounting {
			o.metrics.FrameCaptured()
			o.metrics.FrameEncoded(0)
		}
		key := IsKeyFrame(fd.format.Codec, sample.Data)
		if key {
			fd.mu.Lock()
			fd.lastKey = time.Now()
			fd.mu.Unlock()
		}
		for _, sub := range *fd.subs.Load() {
			sub.write(sample, key, picture)
		}
		return nil
	}
	var err error
	if ks, ok := o.src.(KeyFrameStreamer); ok {
		err = ks.StreamKeyFrames(ctx, fd.format, fd.keyFrames, write)
	} else {
		err = o.src.Stream(ctx, fd.format, write)
	}
	if ctx.Err() != nil {
		return nil
	}
	if err == nil {
		err = errors.New("source ended")
	}
	return fmt.Errorf("stream %s: %w", fd.format.String(), err)
}

// subscription is one viewer's share of a feed.
type subscription struct {
	viewer   protocol.ParticipantID
	track    *webrtc.TrackLocalStaticSample
	codec    string
	feed     *feed
	metrics  *Metrics
	awaitKey atomic.Bool // nothing is sent before the first key frame
	active   atomic.Bool // connected: frames are sent (subscribeWarm, activate)
}

// activate starts sending to a viewer subscribed before it connected, from a
// key frame asked for now.
func (s *subscription) activate() {
	if s.active.Swap(true) {
		return
	}
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	s.feed.newcomerKeyFrameLocked()
}

// write sends one sample to the viewer (on the feed's goroutine).
func (s *subscription) write(sample media.Sample, key, picture bool) {
	if !s.active.Load() {
		return // warm: not connected yet
	}
	if s.awaitKey.Load() {
		if !key {
			s.metrics.FrameHeld()
			return
		}
		s.awaitKey.Store(false)
	}
	start := time.Now()
	if err := s.track.WriteSample(sample); err != nil {
		s.metrics.FramesDropped(1)
		return
	}
	if picture {
		s.metrics.FrameWritten(time.Since(start))
	}
	s.metrics.ViewerSampleSent(s.viewer, len(sample.Data), picture)
}

// keyFrame asks for a key frame for this viewer (RTCP PLI or FIR).
func (s *subscription) keyFrame() { s.feed.requestKeyFrame() }
