package camera

import (
	"maps"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// Pacing of the RTP packets (the camera's gcc.Pacer; pacer.go paces the
// signals). The encoder delivers a frame as one burst of
// RTP packets; the pacer spreads them out at pacingFactor times the bandwidth
// estimate, as libwebrtc's pacer does, so a key frame does not hit a thin link
// as one block and the delay-based estimator sees smooth arrivals. Unlike
// pion's LeakyBucketPacer (1.5 times the estimate, an unbounded queue that
// starts at 10 kbit/s: seconds of queue, FIELD-NOTES), the queue is bounded in
// time: when a packet would wait longer than maxPacerQueue at the pacing
// rate, the pacer sends faster, so a source that cannot adapt (a
// clip, rpicam-vid between restarts) fills the link's queue, where the
// estimator sees it, rather than the camera's memory.
const (
	pacingFactor  = 2.5
	maxPacerQueue = 100 * time.Millisecond
	// pacerBurst is what the pacer may send at once after being idle, up to
	// maxBurstBytes: a frame that fits leaves without waiting. libwebrtc's
	// pacer allows the same (PacingController::kDefaultBurstInterval, 40 ms;
	// kMaxBurstSize, 63 kB). A key frame may be three frames' budget
	// (VP8E_SET_MAX_INTRA_BITRATE_PCT 300): 27 kB at 1280×720 and the
	// format's 2.2 Mbit/s, which with a 10 ms burst waited ~30 ms here
	// before the viewer's first picture (the synthetic pattern's key frames
	// are 6–8 kB and fit either way).
	pacerBurst    = 40 * time.Millisecond
	maxBurstBytes = 63_000
	// minPacerWait keeps the pacer from spinning on timers shorter than the
	// scheduler's resolution.
	minPacerWait = time.Millisecond
	mtuBytes     = 1500
)

// paced is a queued packet: copies of the header, payload and attributes,
// because the writer may reuse them once Write returns.
type paced struct {
	header  rtp.Header
	payload []byte
	attrs   interceptor.Attributes
	queued  time.Time
}

func (p *paced) size() int {
	return p.header.MarshalSize() + len(p.payload) + int(p.header.PaddingSize) // a probe's padding (probe.go)
}

// rtpPacer implements gcc.Pacer. Write queues; one goroutine (started by
// newPacer, stopped by Close) sends. The mutex guards the queue, the budget and
// the writers; it is never held while a packet is written.
type rtpPacer struct {
	mu      sync.Mutex
	queue   []*paced
	bytes   int // queued bytes
	rate    int // bit/s: the estimate (SetTargetBitrate)
	budget  float64
	last    time.Time
	writers map[uint32]interceptor.RTPWriter
	closed  bool

	wake chan struct{}
	done chan struct{}
	wg   sync.WaitGroup
	now  func() time.Time
}

// newRTPPacer starts a pacer at the initial estimate (bit/s).
func newRTPPacer(initial int) *rtpPacer {
	p := newRTPPacerAt(initial, time.Now)
	p.wg.Add(1)
	go p.run()
	return p
}

// newRTPPacerAt returns a pacer on the clock now without its goroutine (tests
// drive it through next).
func newRTPPacerAt(initial int, now func() time.Time) *rtpPacer {
	return &rtpPacer{
		rate:    max(initial, minEstimate),
		writers: map[uint32]interceptor.RTPWriter{},
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		now:     now,
		last:    now(),
		budget:  mtuBytes, // as after idle time: the first packet goes at once
	}
}

// AddStream registers the writer of a stream's packets (gcc.Pacer).
func (p *rtpPacer) AddStream(ssrc uint32, w interceptor.RTPWriter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writers[ssrc] = w
}

// SetTargetBitrate sets the estimate the pacing rate follows (gcc.Pacer).
func (p *rtpPacer) SetTargetBitrate(rate int) {
	p.mu.Lock()
	p.rate = max(rate, minEstimate)
	p.mu.Unlock()
	p.poke()
}

// Write queues a packet (interceptor.RTPWriter).
func (p *rtpPacer) Write(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
	pk := &paced{header: h.Clone(), payload: append([]byte(nil), payload...), attrs: maps.Clone(a)}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return 0, errPacerClosed
	}
	pk.queued = p.now()
	p.queue = append(p.queue, pk)
	p.bytes += pk.size()
	p.mu.Unlock()
	p.poke()
	return pk.size(), nil
}

func (p *rtpPacer) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Close stops the goroutine and drops what is queued (gcc.Pacer).
func (p *rtpPacer) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.done)
		p.queue, p.bytes = nil, 0
	}
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

// pacingRate is the rate (bit/s) at which the queue drains at now:
// pacingFactor times the estimate, or faster when the oldest packet would
// otherwise wait longer than maxPacerQueue. Called with mu held.
func (p *rtpPacer) pacingRate(now time.Time) float64 {
	r := pacingFactor * float64(p.rate)
	if len(p.queue) == 0 {
		return r
	}
	left := max(maxPacerQueue-now.Sub(p.queue[0].queued), minPacerWait)
	return max(r, float64(p.bytes)*8/left.Seconds())
}

// next takes the packets that may be sent at now and says how long to wait
// before calling again (0: the queue is empty, wait for a Write).
func (p *rtpPacer) next(now time.Time) ([]*paced, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rate := p.pacingRate(now) / 8 // bytes per second
	// No credit for idle time beyond a burst.
	p.budget = min(p.budget+now.Sub(p.last).Seconds()*rate, max(mtuBytes, min(rate*pacerBurst.Seconds(), maxBurstBytes)))
	p.last = now
	var out []*paced
	for len(p.queue) > 0 && p.budget > 0 {
		pk := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.bytes -= pk.size()
		p.budget -= float64(pk.size())
		out = append(out, pk)
	}
	if len(p.queue) == 0 {
		p.queue = nil
		return out, 0
	}
	wait := time.Duration(-p.budget / rate * float64(time.Second))
	return out, max(wait, minPacerWait)
}

func (p *rtpPacer) run() {
	defer p.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		pkts, wait := p.next(p.now())
		for _, pk := range pkts {
			p.send(pk)
		}
		var tick <-chan time.Time
		if wait > 0 {
			timer.Reset(wait)
			tick = timer.C
		}
		select { // Reset and Stop discard a pending tick (Go 1.23 timers)
		case <-p.done:
			return
		case <-p.wake:
		case <-tick:
		}
	}
}

func (p *rtpPacer) send(pk *paced) {
	ssrc := pk.header.SSRC
	if s, ok := pk.attrs.Get(streamSSRCKey{}).(uint32); ok {
		ssrc = s // an RTX packet goes through its media stream's writer
	}
	p.mu.Lock()
	w := p.writers[ssrc]
	p.mu.Unlock()
	if w == nil {
		return
	}
	_, _ = w.Write(&pk.header, pk.payload, pk.attrs)
}
