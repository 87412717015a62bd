package link

import (
	"math"
	"math/rand/v2"
	"time"
)

// Verdict is what happened to a packet given to Pipe.Send.
type Verdict int

// Verdicts.
const (
	VerdictUnknown Verdict = iota
	// Accepted: the packet is queued or on its way and will be delivered.
	Accepted
	// Lost: the loss model took it.
	Lost
	// Dropped: the queue was full (drop-tail).
	Dropped
)

// String returns the verdict's name.
func (v Verdict) String() string {
	switch v {
	case Accepted:
		return "accepted"
	case Lost:
		return "lost"
	case Dropped:
		return "dropped"
	}
	return "unknown"
}

// Stats are a pipe's counters since it was made, and its queue now.
type Stats struct {
	// Sent counts the packets and bytes given to Send.
	Sent      int64 `json:"sent"`
	SentBytes int64 `json:"sentBytes"`
	// Lost counts packets taken by the loss model, Dropped those refused by
	// the full queue.
	Lost    int64 `json:"lost"`
	Dropped int64 `json:"dropped"`
	// Delivered counts the packets and bytes Receive returned.
	Delivered      int64 `json:"delivered"`
	DeliveredBytes int64 `json:"deliveredBytes"`
	// Queued and QueuedBytes are waiting for the rate limit now; InFlight
	// have passed it and wait out their delay.
	Queued      int `json:"queued"`
	QueuedBytes int `json:"queuedBytes"`
	InFlight    int `json:"inFlight"`
}

// Pipe is the model of one direction of a link. It is not safe for
// concurrent use: one goroutine owns it. Every method takes the time on the
// link's clock; a time earlier than one seen before counts as that one.
type Pipe struct {
	cur     Params
	changes []DirChange
	origin  time.Duration // the schedule's time 0 on the link's clock
	held    bool          // the schedule waits for StartSchedule

	loss    *lossModel
	jitter  *jitterCurve
	reorder *rand.Rand

	// The queue in front of the rate limit: queue[qhead:].
	queue      []queued
	qhead      int
	queueBytes int

	lastDep  time.Duration // departure of the last packet from the rate limit
	tokens   float64       // token bucket: bytes available at tokT
	tokT     time.Duration
	opp      int64         // trace: next unused opportunity
	credit   int           // trace: bytes left of the opportunity at creditAt
	creditAt time.Duration // trace: time of the last used opportunity

	inflight     deliveryHeap
	seq          uint64
	lastDelivery time.Duration
	now          time.Duration
	stats        Stats
}

type queued struct {
	data []byte
	arr  time.Duration
}

// NewPipe returns a pipe with the settings p, the schedule changes (sorted
// by At) and randomness from seed. The schedule starts at the link's time 0.
// A zero Queue means DefaultQueue.
func NewPipe(p Params, changes []DirChange, seed uint64) *Pipe {
	pp := &Pipe{
		changes: changes,
		loss:    newLossModel(rand.New(rand.NewPCG(seed, 0x6c6f7373))),
		jitter:  newJitterCurve(splitmix64(seed ^ 0x6a6974746572)),
		reorder: rand.New(rand.NewPCG(seed, 0x72656f72646572)),
		tokens:  OpportunityBytes,
	}
	pp.set(0, p)
	return pp
}

// HoldSchedule stops the schedule from starting until StartSchedule. It has
// no effect once a change has been applied.
func (p *Pipe) HoldSchedule() { p.held = true }

// StartSchedule lets the schedule's time 0 be at (on the link's clock).
func (p *Pipe) StartSchedule(at time.Duration) {
	if p.held {
		p.held, p.origin = false, max(at, p.now)
	}
}

// ScheduleOrigin returns the link time at which the schedule started, and
// false while it is held.
func (p *Pipe) ScheduleOrigin() (time.Duration, bool) { return p.origin, !p.held }

// Params returns the settings in effect at the last time the pipe was told.
func (p *Pipe) Params() Params { return p.cur }

// Stats returns the counters and the queue now.
func (p *Pipe) Stats() Stats {
	s := p.stats
	s.Queued, s.QueuedBytes, s.InFlight = len(p.queue)-p.qhead, p.queueBytes, len(p.inflight)
	return s
}

// Send offers a packet at time now. An Accepted packet is returned by a later
// Receive (the pipe keeps data until then); the caller may reuse the data of
// a Lost or Dropped one.
func (p *Pipe) Send(now time.Duration, data []byte) Verdict {
	p.advance(now)
	p.stats.Sent++
	p.stats.SentBytes += int64(len(data))
	if p.loss.lose() {
		p.stats.Lost++
		return Lost
	}
	if !p.cur.Limited() {
		p.toDelay(data, max(p.now, p.lastDep))
		return Accepted
	}
	if p.queueFull(len(data)) {
		p.stats.Dropped++
		return Dropped
	}
	if p.qhead > 0 && p.qhead >= len(p.queue)/2 {
		// Reuse the array once its dead front is at least half of it.
		n := copy(p.queue, p.queue[p.qhead:])
		clear(p.queue[n:])
		p.queue, p.qhead = p.queue[:n], 0
	}
	p.queue = append(p.queue, queued{data: data, arr: p.now})
	p.queueBytes += len(data)
	return Accepted
}

func (p *Pipe) queueFull(size int) bool {
	n := len(p.queue) - p.qhead
	if n == 0 {
		return false
	}
	q := p.cur.Queue
	if q.Delay > 0 {
		limit := q.Delay.Seconds() * p.cur.MeanRate() / 8
		return float64(p.queueBytes+size) > limit
	}
	return n >= q.Packets
}

// Receive appends to dst the packets whose delivery time is at or before
// now, in the order of their delivery times, and returns it.
func (p *Pipe) Receive(now time.Duration, dst [][]byte) [][]byte {
	p.advance(now)
	for len(p.inflight) > 0 && p.inflight[0].at <= p.now {
		d := p.inflight.pop()
		p.stats.Delivered++
		p.stats.DeliveredBytes += int64(len(d.data))
		dst = append(dst, d.data)
	}
	return dst
}

// Next returns the next time at which the pipe has something to do (a
// delivery, a packet leaving the rate limit, a change of the schedule while
// packets wait), and false when it is idle until the next Send.
func (p *Pipe) Next() (time.Duration, bool) {
	t, ok := time.Duration(math.MaxInt64), false
	if len(p.inflight) > 0 {
		t, ok = p.inflight[0].at, true
	}
	if dep, has := p.headDeparture(); has {
		t, ok = min(t, dep), true
		if at, has := p.nextChange(); has {
			t = min(t, at)
		}
	}
	return max(t, p.now), ok
}

// advance moves the pipe's clock to now: packets leave the rate limit and
// schedule changes apply, in the order of their times.
func (p *Pipe) advance(now time.Duration) {
	if now > p.now {
		p.now = now
	}
	for {
		dep, hasDep := p.headDeparture()
		at, hasChange := p.nextChange()
		switch {
		case hasDep && dep <= p.now && (!hasChange || dep <= at):
			p.depart(dep)
		case hasChange && at <= p.now:
			next := p.changes[0].Params
			p.changes = p.changes[1:]
			p.set(at, next)
		default:
			return
		}
	}
}

func (p *Pipe) nextChange() (time.Duration, bool) {
	if p.held || len(p.changes) == 0 {
		return 0, false
	}
	return p.origin + p.changes[0].At, true
}

// set makes q the settings from time at on.
func (p *Pipe) set(at time.Duration, q Params) {
	old := p.cur
	queued := len(p.queue) > p.qhead
	if old.Trace == nil && old.Rate != Unlimited {
		p.tokens, p.tokT = p.tokensAt(at), at
	}
	switch {
	case q.Trace != nil && q.Trace != old.Trace:
		p.opp, p.credit = q.Trace.first(at), 0
	case q.Trace == nil && q.Rate != Unlimited && (old.Trace != nil || old.Rate == Unlimited):
		p.tokens, p.tokT = OpportunityBytes, at
		if queued {
			p.tokens = 0
		}
	}
	if q.Queue == (Queue{}) {
		q.Queue = DefaultQueue
	}
	p.cur = q
	p.loss.set(q)
	p.jitter.set(at, q.Jitter)
}

// tokensAt returns the token bucket's fill at t ≥ tokT.
func (p *Pipe) tokensAt(t time.Duration) float64 {
	return min(OpportunityBytes, p.tokens+float64(p.cur.Rate)/8e9*float64(t-p.tokT))
}

// headDeparture returns when the packet at the head of the queue leaves the
// rate limit under the current settings.
func (p *Pipe) headDeparture() (time.Duration, bool) {
	if p.qhead == len(p.queue) {
		return 0, false
	}
	h := p.queue[p.qhead]
	start := max(h.arr, p.lastDep)
	switch {
	case p.cur.Trace != nil:
		dep, _, _ := p.traceDeparture(h, start)
		return dep, true
	case p.cur.Rate != Unlimited:
		need := float64(len(h.data)) - p.tokensAt(start)
		if need <= 0 {
			return start, true
		}
		return start + time.Duration(math.Ceil(need*8e9/float64(p.cur.Rate))), true
	}
	return start, true
}

// traceDeparture returns when packet h, at the head of the queue since
// start, has been carried by the trace's opportunities: first by what is left
// of the last one used, then by whole ones. It also returns the index of the
// next unused opportunity and the bytes left of the last one used.
func (p *Pipe) traceDeparture(h queued, start time.Duration) (time.Duration, int64, int) {
	rem := len(h.data)
	if p.credit > 0 && h.arr <= p.creditAt {
		if rem <= p.credit {
			return p.creditAt, p.opp, p.credit - rem
		}
		rem -= p.credit
	}
	tr := p.cur.Trace
	g := max(p.opp, tr.first(start))
	n := int64((rem + OpportunityBytes - 1) / OpportunityBytes)
	if n == 0 {
		n = 1 // an empty packet still needs an opportunity
	}
	last := g + n - 1
	return tr.at(last), last + 1, int(n)*OpportunityBytes - rem
}

// depart moves the head of the queue past the rate limit at time dep.
func (p *Pipe) depart(dep time.Duration) {
	h := p.queue[p.qhead]
	p.queue[p.qhead] = queued{}
	p.qhead++
	p.queueBytes -= len(h.data)
	switch {
	case p.cur.Trace != nil:
		_, p.opp, p.credit = p.traceDeparture(h, max(h.arr, p.lastDep))
		p.creditAt = dep
	case p.cur.Rate != Unlimited:
		p.tokens, p.tokT = max(0, p.tokensAt(dep)-float64(len(h.data))), dep
	}
	p.lastDep = dep
	p.toDelay(h.data, dep)
}

// toDelay starts a packet's one-way delay at time dep.
func (p *Pipe) toDelay(data []byte, dep time.Duration) {
	p.lastDep = max(p.lastDep, dep)
	at := dep + p.cur.Delay
	switch {
	case p.cur.Jitter == 0:
	case p.cur.Reorder:
		at += time.Duration((2*p.reorder.Float64() - 1) * float64(p.cur.Jitter))
	default:
		at += p.jitter.value(dep)
	}
	if !p.cur.Reorder {
		at = max(at, p.lastDelivery)
	}
	at = max(at, dep)
	p.lastDelivery = max(p.lastDelivery, at)
	p.seq++
	p.inflight.push(delivery{at: at, seq: p.seq, data: data})
}

// delivery is a packet past the rate limit, due at at.
type delivery struct {
	at   time.Duration
	seq  uint64 // keeps packets due at the same time in order
	data []byte
}

// deliveryHeap is a binary min-heap of deliveries by (at, seq).
type deliveryHeap []delivery

func (h deliveryHeap) less(i, j int) bool {
	return h[i].at < h[j].at || h[i].at == h[j].at && h[i].seq < h[j].seq
}

func (h *deliveryHeap) push(d delivery) {
	*h = append(*h, d)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if !s.less(i, parent) {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

func (h *deliveryHeap) pop() delivery {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s[last] = delivery{}
	s = s[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && s.less(l, m) {
			m = l
		}
		if r < len(s) && s.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}
