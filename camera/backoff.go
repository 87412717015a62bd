package camera

import (
	"math/rand/v2"
	"time"
)

// Backoff computes the waits between reconnection attempts: exponential from Min,
// capped at Max, with "equal jitter" (half the step fixed, half random) so that many
// cameras that lost the same server do not come back in lockstep.
type Backoff struct {
	Min, Max time.Duration
	// Rand returns a number in [0, 1); math/rand/v2 when nil.
	Rand    func() float64
	attempt int
}

// DefaultBackoff starts at 500 ms and caps at 30 s.
func DefaultBackoff() *Backoff { return &Backoff{Min: 500 * time.Millisecond, Max: 30 * time.Second} }

// Next returns the wait before the next attempt and counts the attempt.
func (b *Backoff) Next() time.Duration {
	step := b.Min
	for i := 0; i < b.attempt && step < b.Max; i++ {
		step *= 2
	}
	step = min(step, b.Max)
	b.attempt++
	r := b.Rand
	if r == nil {
		r = rand.Float64
	}
	return step/2 + time.Duration(r()*float64(step/2))
}

// Reset starts again from Min, after a connection that worked.
func (b *Backoff) Reset() { b.attempt = 0 }
