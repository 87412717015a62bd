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

	// adaptive: the feeds' encoders take their bitrate from their viewers'
	// targets while they run (RateStreamer; DESIGN.md "The camera adapts").
	adaptive bool

	mu    sync.Mutex // guards feeds; held while a feed stops, so a device is never opened twice
	feeds map[Format]*feed
}

func newFanOut(src EncodedSource, srcName string, log *slog.Logger, m *Metrics, adaptive bool) *fanOut {
	_, rates := src.(RateStreamer)
	return &fanOut{src: src, srcName: srcName, log: log, metrics: m, feeds: map[Format]*feed{}, adaptive: adaptive && rates}
}

// subscribe sends the frames of format f to track from the next key frame
// on, starting the format's feed when it is the first viewer of f.
func (o *fanOut) subscribe(viewer protocol.ParticipantID, f Format, track *webrtc.TrackLocalStaticSample) *subscription {
	return o.add(viewer, f, track, true, 0, nil)
}

// subscribeWarm is subscribe for a viewer that is not connected yet: the
// feed starts (or runs on), but the viewer gets nothing until activate.
func (o *fanOut) subscribeWarm(viewer protocol.ParticipantID, f Format, track *webrtc.TrackLocalStaticSample) *subscription {
	return o.add(viewer, f, track, false, 0, nil)
}

// add subscribes viewer's track to the feed of f (warm unless active). rate
// (bit/s, 0: none) is the viewer's target: a feed that starts for it starts
// its encoder at rate, and a running adaptive feed's encoder follows the
// least target of its viewers (subscription.setTarget). delivered, when not
// nil, counts the bytes sent to the viewer.
func (o *fanOut) add(viewer protocol.ParticipantID, f Format, track *webrtc.TrackLocalStaticSample, active bool, rate int, delivered *atomic.Int64) *subscription {
	sub := &subscription{viewer: viewer, track: track, codec: f.Codec, metrics: o.metrics, delivered: delivered}
	sub.awaitKey.Store(true)
	sub.active.Store(active)
	sub.target.Store(int64(max(0, rate)))
	o.mu.Lock()
	defer o.mu.Unlock()
	fd := o.feeds[f]
	if fd == nil {
		fd = o.start(f, rate)
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
	rates     chan int      // to an adaptive source (nil otherwise), capacity 1: the newest encoder bitrate
	cancel    context.CancelFunc
	done      chan struct{}
	// restarting: the current stream was cancelled to start again at a new
	// bitrate (restart, a source that takes its bitrate only at its start).
	restarting atomic.Bool

	mu           sync.Mutex // guards the fields below
	seq          uint64     // number of the newest sample
	held         heldKey    // while no viewer is connected: the newest key frame
	warmKeys     int        // key frames asked for since the feed became warm
	lastKey      time.Time  // when the last key frame went out (forced or periodic)
	keyTimer     *time.Timer
	rate         int                // bit/s the encoder runs at (or a new stream starts at); 0: the format's
	streamCancel context.CancelFunc // ends the current stream (restart)
}

// start starts the feed of f at rate bit/s (0: f's own) (o.mu held).
func (o *fanOut) start(f Format, rate int) *feed {
	ctx, cancel := context.WithCancel(context.Background())
	fd := &feed{format: f, o: o, keyFrames: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{}), rate: max(0, rate)}
	if o.adaptive {
		fd.rates = make(chan int, 1)
	}
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
	if len(old) > 0 {
		fd.retargetLocked() // the newcomer's link may be thinner
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
	fd.retargetLocked() // the viewer that left may have held the rate down
	return len(next)
}

// leastTargetLocked is the least positive target of the feed's viewers, 0
// when none has one (fd.mu held).
func (fd *feed) leastTargetLocked() int {
	least := 0
	for _, s := range *fd.subs.Load() {
		if t := int(s.target.Load()); t > 0 && (least == 0 || t < least) {
			least = t
		}
	}
	return least
}

// retarget gives an adaptive feed's running encoder the least target of its
// viewers, when it differs from the rate it has by rateStep or more: one
// encoder serves them all, so the viewer with the thinnest link sets it.
func (fd *feed) retarget() {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	fd.retargetLocked()
}

func (fd *feed) retargetLocked() {
	t := fd.leastTargetLocked()
	if fd.rates == nil || t <= 0 {
		return
	}
	if d := float64(t - fd.rate); fd.rate > 0 && d < rateStep*float64(fd.rate) && -d < rateStep*float64(fd.rate) {
		return
	}
	fd.rate = t
	select { // the newest rate replaces one the encoder has not taken yet
	case <-fd.rates:
	default:
	}
	fd.rates <- t // capacity 1, emptied above, and only written under fd.mu
}

// restart starts the feed's source again at the least target of its
// viewers: for sources that take their bitrate only when they start
// (rpicam-vid's -b, AdaptationRestart).
func (fd *feed) restart() {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	if t := fd.leastTargetLocked(); t > 0 {
		fd.rate = t
	}
	if fd.streamCancel != nil {
		fd.restarting.Store(true)
		fd.streamCancel()
	}
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

// warmKeyFrame asks the source to make its next frame a key frame while
// nobody receives its frames (heldkey.go): not a forced key frame, which
// viewers pay for (fd.mu held).
func (fd *feed) warmKeyFrame() {
	select {
	case fd.keyFrames <- struct{}{}:
		fd.o.metrics.KeyFrameWarm()
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
		if fd.restarting.Swap(false) {
			continue // restart: at once, at the new rate
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

// stream runs the source once, at the feed's rate; every sample goes to
// every subscriber.
func (fd *feed) stream(ctx context.Context) error {
	o := fd.o
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fd.mu.Lock()
	fd.streamCancel = cancel
	f := fd.format
	if fd.rate > 0 {
		f.Bitrate = fd.rate
	}
	if fd.rates != nil {
		select { // the new encoder starts at f.Bitrate
		case <-fd.rates:
		default:
		}
	}
	fd.mu.Unlock()
	_, selfCounting := o.src.(FrameCounter)
	write := func(sample media.Sample) error {
		picture := sample.Duration > 0
		if picture && !selfCounting {
			o.metrics.FrameCaptured()
			o.metrics.FrameEncoded(0)
		}
		key := IsKeyFrame(fd.format.Codec, sample.Data)
		subs := *fd.subs.Load()
		fd.mu.Lock()
		if key {
			fd.lastKey = time.Now()
		}
		fd.seq++
		seq := fd.seq
		if warm(subs) {
			fd.held.add(seq, sample, key, picture)
			if picture && fd.warmKeys < warmKeyFrames(fd.format) {
				fd.warmKeys++
				fd.warmKeyFrame() // the next frame is one too
			}
		} else {
			fd.held.clear()
			fd.warmKeys = 0
		}
		fd.mu.Unlock()
		for _, sub := range subs {
			sub.write(seq, sample, key, picture)
		}
		return nil
	}
	var err error
	if rs, ok := o.src.(RateStreamer); ok && fd.rates != nil {
		err = rs.StreamRates(ctx, f, fd.keyFrames, fd.rates, write)
	} else if ks, ok := o.src.(KeyFrameStreamer); ok {
		err = ks.StreamKeyFrames(ctx, f, fd.keyFrames, write)
	} else {
		err = o.src.Stream(ctx, f, write)
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
	// mu orders the feed's writes and activate's; sent is the number of the
	// newest sample written (feed.seq), so none goes out twice.
	mu   sync.Mutex
	sent uint64
	// target is the bitrate the viewer's estimate allows (bit/s, 0: none).
	target atomic.Int64
	// delivered, when set, counts the bytes written to the viewer's track.
	delivered *atomic.Int64
}

// setTarget sets the bitrate the viewer's estimate allows (bit/s); an
// adaptive feed's encoder follows the least target of its viewers.
func (s *subscription) setTarget(bps int) {
	s.target.Store(int64(max(0, bps)))
	s.feed.retarget()
}

// activate starts sending to a viewer subscribed before it connected: with
// the feed's held key frame at once when it has one (the newest frame, so
// the frames after it follow on), else from a key frame asked for now.
func (s *subscription) activate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active.Swap(true) {
		return
	}
	fd := s.feed
	fd.mu.Lock()
	held, seq := fd.held.take()
	if held == nil {
		fd.newcomerKeyFrameLocked()
	} else {
		select { // the key frame asked for the next warm frame is not needed now
		case <-fd.keyFrames:
		default:
		}
	}
	fd.mu.Unlock()
	if held == nil {
		return
	}
	s.metrics.KeyFrameHeld()
	s.awaitKey.Store(false)
	for _, sample := range held {
		s.send(sample, sample.Duration > 0)
	}
	s.sent = seq
}

// write sends sample number seq to the viewer (on the feed's goroutine).
func (s *subscription) write(seq uint64, sample media.Sample, key, picture bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.active.Load() {
		return // warm: not connected yet
	}
	if seq <= s.sent {
		return // activate sent it
	}
	s.sent = seq
	if s.awaitKey.Load() {
		if !key {
			s.metrics.FrameHeld()
			return
		}
		s.awaitKey.Store(false)
	}
	s.send(sample, picture)
}

// send writes one sample to the viewer's track (s.mu held).
func (s *subscription) send(sample media.Sample, picture bool) {
	if s.delivered != nil {
		s.delivered.Add(int64(len(sample.Data)))
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
