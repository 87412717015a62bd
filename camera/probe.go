package camera

import (
	"encoding/binary"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/rtp"
)

// Bandwidth probing (DESIGN.md "The camera adapts", "Probing"). pion's GCC
// raises its estimate by at most 8 % a second, and the camera sends only what
// the estimate allows, so after the link's rate rises (step: 1 → 5 Mbit/s) it
// takes 9–10 s to climb from 1 to the 2.2 Mbit/s a 1280×720 stream wants.
// Like libwebrtc's ProbeController (periodic probing in ALR), the camera then
// sends short clusters of RTP padding (on the media SSRC, see prober) at twice
// its estimate, while the estimate is below what the format wants and has not
// fallen for a while, and reads from the viewer's transport-wide feedback how fast the
// cluster (and the media sent with it) arrived: a cluster that came through
// at more than the estimate raises the estimate to its rate
// (gcc.SendSideBWE.RaiseEstimate, third_party/pion-interceptor/PATCH.md),
// as libwebrtc's probe results set its delay-based estimate.
const (
	// probeGain: a cluster is sent at this many times the estimate
	// (libwebrtc's ALR probes: 2×), at most the rate the format wants.
	probeGain = 2.0
	// probeMinGain: no probe when the format wants less than this many
	// times the estimate (nothing to find).
	probeMinGain = 1.15
	// probeDuration is how long a cluster lasts (libwebrtc: 15 ms and 5
	// packets at least; longer here, as Go timers on a busy machine are
	// coarse), paddingStep how often the cluster's padding is written.
	probeDuration = 30 * time.Millisecond
	paddingStep   = 5 * time.Millisecond
	// paddingBytes is one padding packet's padding (the RTP padding count is
	// one byte, RFC 3550 §5.1).
	paddingBytes = 255
	// probeInterval between periodic probes; probeQuiet after a fall of the
	// estimate (the delay detector saw the link full: a probe would only
	// add to its queue, and a failed one can itself make GCC fall: with 2 s
	// the camera on 3g, where GCC falls every 4–6 s, probed every 3 s, its
	// mean target was ~60 kbit/s lower and some streams stepped down to
	// 20 fps); probeAgain after a probe that raised the estimate (the next
	// one starts from the new estimate, as libwebrtc's further probing
	// does).
	probeInterval = 3 * time.Second
	probeQuiet    = 5 * time.Second
	probeAgain    = 500 * time.Millisecond
	// probeTimeout: a cluster not fully reported on this long after it was
	// sent is judged on what was reported.
	probeTimeout = time.Second
	// probeTick is how often the prober looks at the estimate.
	probeTick = 100 * time.Millisecond
	// A cluster counts when at least probeMinArrived of its packets arrived;
	// a send rate more than probeMaxRatio times the receive rate is not a
	// measurement; a receive rate under probeSaturated of the send rate
	// means the link could not carry the cluster whole: libwebrtc takes
	// probeUtilization of it for the link's capacity (its
	// ProbeBitrateEstimator: 2, 0.9 and 0.95), the camera raises nothing on
	// it (probeCluster.result). A result of a cluster that came through
	// whole raises the estimate when it is probeRaise times the estimate or
	// more.
	probeMinArrived  = 0.8
	probeMaxRatio    = 2.0
	probeSaturated   = 0.9
	probeUtilization = 0.95
	probeRaise       = 1.1
)

var errNoMedia = errors.New("no media packet yet")

// estimateRaiser is what the prober needs of the estimator
// (*gcc.SendSideBWE).
type estimateRaiser interface {
	GetTargetBitrate() int
	RaiseEstimate(rate int)
}

// prober probes the link for one PeerConnection. It is the outermost
// interceptor but the playout-delay one (NewAPI registers it after pion's
// defaults), so its padding passes the NACK responder, gets a transport-wide
// sequence number and waits in the pacer like any packet. The padding goes on
// the media SSRC, not on RTX as libwebrtc's does: Chromium addresses each
// transport-wide feedback report to the SSRC of the last packet it received,
// and pion's RTPSender reads RTCP for its media SSRC only, so a report built
// right after a padding packet on RTX never reached the estimator (seen: most
// of a cluster's packets never reported on). A padding-only packet takes the
// next sequence number of the media stream, so the prober renumbers the media
// packets after it (Chromium's receiver counts a padding-only packet as a
// received empty packet, libwebrtc sends padding so without RTX). Its
// goroutine starts with the first stream that has the TWCC extension and
// stops at Close.
type prober struct {
	interceptor.NoOp
	bwe    estimateRaiser
	wanted int // bit/s: the estimate at which the encoder gets the format's bitrate
	log    *slog.Logger
	now    func() time.Time

	// wmu serializes the stream's writes: sequence numbers leave in order.
	wmu    sync.Mutex
	w      interceptor.RTPWriter // the stream's writer towards the NACK responder
	ssrc   uint32
	pt     uint8
	extID  uint8  // TWCC header extension
	offset uint16 // padding packets so far: added to the media's sequence numbers
	seq    uint16 // the last sequence number written
	ts     uint32 // the newest media timestamp
	media  bool   // a media packet was written

	mu     sync.Mutex
	bound  bool
	closed bool

	// Owned by the goroutine (run) and the feedback (results), under mu.
	last      int       // estimate at the last tick
	fell      time.Time // the estimate's last fall
	next      time.Time // no probe before
	cluster   *probeCluster
	reported  bool // feedback has arrived: the stream is flowing
	done      chan struct{}
	wg        sync.WaitGroup
	clusterID int
}

// probeCluster is the cluster in flight and what feedback said of it.
type probeCluster struct {
	id     int
	rate   int // bit/s, aimed at
	before int // the estimate when it was sent
	sent   time.Time
	sizes  map[uint16]int // transport-wide sequence number → bytes on the wire (RTP)
	whole  bool           // all its padding is written
	probes []gcc.PacketResult
	media  []gcc.PacketResult // packets reported while the cluster was in flight
}

func newProber(bwe estimateRaiser, wanted int, log *slog.Logger) *prober {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &prober{bwe: bwe, wanted: wanted, log: log, now: time.Now, done: make(chan struct{})}
}

// BindLocalStream takes the first stream with the TWCC extension as the one
// to pad, and renumbers its packets around the padding.
func (p *prober) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	var extID uint8
	for _, e := range info.RTPHeaderExtensions {
		if e.URI == transportCCURI {
			extID = uint8(e.ID) //nolint:gosec // header extension IDs are 1–255
		}
	}
	if extID == 0 {
		return w
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bound || p.closed {
		return w
	}
	bound := p.bind(info, extID, w)
	p.wg.Add(1)
	go p.run()
	return bound
}

// bind makes w the stream's writer and returns the writer that renumbers its
// media packets around the padding. Called with mu held.
func (p *prober) bind(info *interceptor.StreamInfo, extID uint8, w interceptor.RTPWriter) interceptor.RTPWriter {
	p.bound = true
	p.w, p.ssrc, p.pt, p.extID = w, info.SSRC, info.PayloadType, extID
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if h.SSRC != p.ssrc {
			return w.Write(h, payload, a)
		}
		p.wmu.Lock()
		defer p.wmu.Unlock()
		if p.offset != 0 {
			c := h.Clone() // the header is the sender's (a shared feed's)
			c.SequenceNumber += p.offset
			h = &c
		}
		p.seq, p.ts, p.media = h.SequenceNumber, h.Timestamp, true
		return w.Write(h, payload, a)
	})
}

// Close stops the goroutine (interceptor.Interceptor).
func (p *prober) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.done)
	}
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

func (p *prober) run() {
	defer p.wg.Done()
	t := time.NewTicker(probeTick)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
		}
		if rate, ok := p.due(p.now()); ok {
			p.send(rate)
		}
	}
}

// due says whether a cluster is to be sent at now, and at what rate.
func (p *prober) due(now time.Time) (int, bool) {
	est := p.bwe.GetTargetBitrate()
	p.mu.Lock()
	defer p.mu.Unlock()
	if est < p.last {
		p.fell = now
	}
	p.last = est
	if p.cluster != nil && now.Sub(p.cluster.sent) > probeTimeout {
		p.finish()
	}
	rate := min(int(probeGain*float64(est)), p.wanted)
	switch {
	case !p.reported, p.cluster != nil, now.Before(p.next),
		now.Sub(p.fell) < probeQuiet,
		float64(rate) < probeMinGain*float64(est):
		return 0, false
	}
	p.clusterID++
	p.cluster = &probeCluster{id: p.clusterID, rate: rate, before: est, sent: now, sizes: map[uint16]int{}}
	p.next = now.Add(probeInterval)
	return rate, true
}

// send writes the cluster's padding: the difference between its rate and the
// estimate (the media goes on at about the estimate) for probeDuration, a
// share every paddingStep.
func (p *prober) send(rate int) {
	p.mu.Lock()
	c := p.cluster
	p.mu.Unlock()
	if c == nil {
		return
	}
	defer func() {
		p.mu.Lock()
		c.whole = true
		p.mu.Unlock()
	}()
	perSecond := float64(rate-c.before) / 8
	start := time.Now()
	written := 0
	for {
		elapsed := min(time.Since(start), probeDuration)
		for due := int(perSecond * (elapsed + paddingStep).Seconds()); written < due; {
			n, err := p.writePadding(c)
			if err != nil {
				return
			}
			written += n
		}
		if elapsed >= probeDuration {
			return
		}
		select {
		case <-p.done:
			return
		case <-time.After(paddingStep):
		}
	}
}

// writePadding writes one padding-only packet of cluster c and notes its
// transport-wide sequence number, which the TWCC extension set on the way.
func (p *prober) writePadding(c *probeCluster) (int, error) {
	p.wmu.Lock()
	if !p.media {
		p.wmu.Unlock()
		return 0, errNoMedia
	}
	p.offset++
	p.seq++
	h := &rtp.Header{Version: 2, Padding: true, PaddingSize: paddingBytes, PayloadType: p.pt,
		SequenceNumber: p.seq, Timestamp: p.ts, SSRC: p.ssrc}
	_, err := p.w.Write(h, nil, interceptor.Attributes{})
	p.wmu.Unlock()
	if err != nil {
		return 0, err
	}
	size := h.MarshalSize() + paddingBytes
	if b := h.GetExtension(p.extID); len(b) == 2 {
		p.mu.Lock()
		c.sizes[binary.BigEndian.Uint16(b)] = size
		p.mu.Unlock()
	}
	return size, nil
}

// results takes a feedback report's packets (gcc.SendSideBWE.OnPacketResults).
func (p *prober) results(rs []gcc.PacketResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reported = true
	c := p.cluster
	if c == nil || len(c.sizes) == 0 {
		return
	}
	for _, r := range rs {
		if size, ok := c.sizes[r.SequenceNumber]; ok {
			r.Size = size // pion counts the header only
			c.probes = append(c.probes, r)
		} else if !r.Arrival.IsZero() {
			c.media = append(c.media, r)
		}
	}
	if c.whole && len(c.probes) >= len(c.sizes) {
		p.finish()
	}
}

// finish judges the cluster in flight and raises the estimate when it came
// through faster. Called with mu held.
func (p *prober) finish() {
	c := p.cluster
	p.cluster = nil
	if c == nil {
		return
	}
	res, whole, ok := c.result()
	// The media sent beside the padding may make the window's rate higher
	// than the cluster's (a frame leaving at the pacer's 2.5 × the estimate);
	// the estimate goes no higher than the rate the cluster was sent at.
	res = min(res, c.rate)
	est := p.bwe.GetTargetBitrate()
	raise := ok && whole && float64(res) >= probeRaise*float64(est)
	p.log.Debug("probe", "cluster", c.id, "rate", c.rate, "estimate", est, "result", res, "measured", ok,
		"whole", whole, "packets", len(c.sizes), "reported", len(c.probes), "raise", raise)
	if !raise {
		return
	}
	p.log.Info("probe raised the estimate", "cluster", c.id, "rate", c.rate, "from", est, "to", res)
	p.bwe.RaiseEstimate(res)
	p.last = max(p.last, res)
	p.next = p.now().Add(probeAgain)
}

// result is the rate (bit/s) the cluster came through at: the packets sent
// from its first padding packet to its last, media included, their send rate
// and receive rate (libwebrtc's ProbeBitrateEstimator). whole says that the
// link carried the cluster at (nearly) the rate it was sent at; when it did
// not, the result is what libwebrtc takes for the link's capacity, but the
// camera does not raise its estimate on it: a cluster's arrival span shrinks
// by up to the link's jitter, and on 3g (10 ms) clusters at 1.3–2.1 Mbit/s
// seemed to come through at ~1 Mbit/s over its 768 kbit/s. ok is false when
// too few arrived or the figures are no measurement.
func (c *probeCluster) result() (rate int, whole, ok bool) {
	arrived := 0
	var first, last time.Time
	for _, r := range c.probes {
		if r.Arrival.IsZero() {
			continue
		}
		arrived++
		if first.IsZero() || r.Departure.Before(first) {
			first = r.Departure
		}
		if r.Departure.After(last) {
			last = r.Departure
		}
	}
	if len(c.sizes) == 0 || float64(arrived) < probeMinArrived*float64(len(c.sizes)) || !last.After(first) {
		return 0, false, false
	}
	var in []gcc.PacketResult
	for _, r := range append(c.probes, c.media...) {
		if !r.Arrival.IsZero() && !r.Departure.Before(first) && !r.Departure.After(last) {
			in = append(in, r)
		}
	}
	bytes, lastSent, firstIn := 0, in[0], in[0]
	var a0, a1 time.Time
	for _, r := range in {
		bytes += r.Size
		if r.Departure.After(lastSent.Departure) {
			lastSent = r
		}
		if a0.IsZero() || r.Arrival.Before(a0) {
			a0, firstIn = r.Arrival, r
		}
		if r.Arrival.After(a1) {
			a1 = r.Arrival
		}
	}
	if !a1.After(a0) {
		return 0, false, false
	}
	send := float64(bytes-lastSent.Size) * 8 / last.Sub(first).Seconds()
	recv := float64(bytes-firstIn.Size) * 8 / a1.Sub(a0).Seconds()
	if send > probeMaxRatio*recv {
		return 0, false, false
	}
	if recv < probeSaturated*send {
		return int(probeUtilization * recv), false, true
	}
	return int(min(send, recv)), true, true
}

// transportCCURI is the TWCC header extension's URI.
const transportCCURI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
