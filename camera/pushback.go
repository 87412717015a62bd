package camera

import (
	"time"

	"github.com/pion/rtcp"
)

// Queue pushback (DESIGN.md "The camera adapts"): GCC lowers its estimate when
// the delay grows, to 85 % of what arrived, and then sends just below the
// link's rate, so a queue built before (the first second of a stream at the
// format's bitrate, a drop of the link's rate) drains slowly. Like libwebrtc's
// congestion window pushback, the encoder's target shrinks while the
// round-trip time, from the viewer's RTCP receiver reports, is well above the
// lowest one seen (the round trip ICE measured before any media, or a lower
// report) — but only within congestedFor of a fall of the estimate: a busy
// machine stretches round trips too, and that is no queue on the link.
const (
	// pushbackFree is the queueing delay tolerated without pushback.
	pushbackFree = 100 * time.Millisecond
	// pushbackSpan is the queueing delay beyond pushbackFree at which the
	// target would be gone; it is never less than minPushback of itself.
	pushbackSpan = time.Second
	minPushback  = 0.5
	// rttValid is how long a round-trip time counts without a newer one.
	rttValid = 3 * time.Second
	// When the estimate falls to less than dropShare of the one before in
	// one step (the first overuse of a stream that started above the link's
	// rate, a drop of the link's rate), a queue has built up that the next
	// receiver report will only show in a second or so: the target is
	// pushed back by minPushback for dropDrain at once.
	dropShare = 0.5
	dropDrain = time.Second
	// congestedFor is how long after a fall of the estimate the round-trip
	// time may push the target back.
	congestedFor = 2 * time.Second
)

// ntpMiddle is the middle 32 bits of t's NTP timestamp (RFC 3550 §4), the unit
// of a reception report's LSR and DLSR: 1/65536 s.
func ntpMiddle(t time.Time) uint32 {
	ns := uint64(t.UnixNano()) + 2_208_988_800*uint64(time.Second) // since 1900
	sec, frac := ns/uint64(time.Second), ns%uint64(time.Second)
	return uint32(sec<<16) | uint32(frac<<16/uint64(time.Second))
}

// rttOf is the round-trip time a reception report gives at now (RFC 3550
// §6.4.1: arrival − LSR − DLSR); false when the viewer has had no sender
// report yet or the figure is impossible.
func rttOf(now time.Time, r rtcp.ReceptionReport) (time.Duration, bool) {
	if r.LastSenderReport == 0 {
		return 0, false
	}
	d := ntpMiddle(now) - r.LastSenderReport - r.Delay
	if d >= 1<<31 {
		return 0, false
	}
	return time.Duration(d) * time.Second / 65536, true
}

// pushback keeps the lowest and the latest round-trip time of a session. It
// belongs to the session goroutine.
type pushback struct {
	lowest, last   time.Duration
	at             time.Time
	drainUntil     time.Time
	congestedUntil time.Time
}

// fell says that the estimate fell at now, sharp says to less than
// dropShare of the one before.
func (p *pushback) fell(now time.Time, sharp bool) {
	p.congestedUntil = now.Add(congestedFor)
	if sharp {
		p.drainUntil = now.Add(dropDrain)
	}
}

// add takes a round-trip time measured at now.
func (p *pushback) add(now time.Time, rtt time.Duration) {
	if p.at.IsZero() || rtt < p.lowest {
		p.lowest = rtt
	}
	p.last, p.at = rtt, now
}

// factor is the share of the target to use at now: minPushback for
// dropDrain after a sharp fall; within congestedFor of a fall, 1 while the
// queueing delay (latest minus lowest round-trip time) is at most
// pushbackFree, then falling linearly, to minPushback at the least; else 1.
func (p *pushback) factor(now time.Time) float64 {
	if now.Before(p.drainUntil) {
		return minPushback
	}
	if p.at.IsZero() || now.Sub(p.at) > rttValid || !now.Before(p.congestedUntil) {
		return 1
	}
	q := p.last - p.lowest - pushbackFree
	if q <= 0 {
		return 1
	}
	return max(minPushback, 1-q.Seconds()/pushbackSpan.Seconds())
}
