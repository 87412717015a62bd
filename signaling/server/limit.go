package server

import (
	"math"
	"sync"
)

// bucket is a participant's rate limit: two token buckets, one in messages
// (control frames included) and one in bytes, refilled continuously. A room
// mate's arrival grants extra tokens (Config.JoinGrant): the offer and the
// candidates a newcomer makes the first participant send are paid for by the
// newcomer's JoinOrCreate, so a camera answering a churn of viewers stays
// within its limit however fast they come and go (issue #14).
type bucket struct {
	mu          sync.Mutex
	msgs, bytes float64
	last        int64 // Unix ns of the last refill
}

// limits are the bucket's parameters, from Config.
type limits struct {
	msgRate, msgBurst   float64 // messages per second, bucket size
	byteRate, byteBurst float64
	grantMsgs           float64
	grantBytes          float64
	off                 bool // RateLimit is rate.Inf
}

func (l *limits) init(b *bucket, now int64) {
	b.msgs, b.bytes, b.last = l.msgBurst, l.byteBurst, now
}

// take spends one message and n bytes at now (Unix ns); false when either
// bucket lacks them (nothing is spent then).
func (l *limits) take(b *bucket, now int64, n int) bool {
	if l.off {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	l.refill(b, now)
	if b.msgs < 1 || b.bytes < float64(n) {
		return false
	}
	b.msgs--
	b.bytes -= float64(n)
	return true
}

// grant adds the join grant, up to twice the bursts.
func (l *limits) grant(b *bucket, now int64) {
	if l.off {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	l.refill(b, now)
	b.msgs = math.Min(b.msgs+l.grantMsgs, 2*l.msgBurst)
	b.bytes = math.Min(b.bytes+l.grantBytes, 2*l.byteBurst)
}

func (l *limits) refill(b *bucket, now int64) {
	dt := float64(now-b.last) / 1e9
	if dt <= 0 {
		return
	}
	b.last = now
	// Refilling never takes a granted surplus away.
	if b.msgs < l.msgBurst {
		b.msgs = math.Min(b.msgs+dt*l.msgRate, l.msgBurst)
	}
	if b.bytes < l.byteBurst {
		b.bytes = math.Min(b.bytes+dt*l.byteRate, l.byteBurst)
	}
}
