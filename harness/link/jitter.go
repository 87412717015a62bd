package link

import "time"

// jitterKnotsPerAmplitude sets the spacing of the jitter curve's knots: four
// times the amplitude, so the curve's slope stays within ±1/2 and a packet
// sent later never arrives earlier (delay changes by at most half the time
// between two packets).
const jitterKnotsPerAmplitude = 4

// jitterCurve is the extra delay (within ±amp) of a packet that leaves the
// rate limit at time t, without reordering: a piecewise-linear curve through
// random knots every 4·amp. Its values are uniform in [-amp, amp] at the knots
// and it averages 0, so the mean one-way delay stays the configured one. The
// knot values are a pure function of the seed and the knot's number, so the
// curve does not depend on the traffic.
type jitterCurve struct {
	seed    uint64
	epoch   time.Duration // start of the curve (the last change of amp)
	gen     uint64        // how many times the curve was restarted
	amp     time.Duration
	start   time.Duration // value at the epoch (continuity across changes)
	spacing time.Duration
}

func newJitterCurve(seed uint64) *jitterCurve { return &jitterCurve{seed: seed} }

// set restarts the curve at time at with amplitude amp, from its current value
// there (clamped to the new amplitude).
func (c *jitterCurve) set(at, amp time.Duration) {
	if amp == c.amp {
		return
	}
	v := c.value(at)
	c.gen++
	c.epoch, c.amp, c.start = at, amp, min(max(v, -amp), amp)
	c.spacing = jitterKnotsPerAmplitude * amp
}

// value returns the jitter at time t ≥ epoch.
func (c *jitterCurve) value(t time.Duration) time.Duration {
	if c.amp == 0 {
		return 0
	}
	k := int64((t - c.epoch) / c.spacing)
	frac := float64(t-c.epoch-time.Duration(k)*c.spacing) / float64(c.spacing)
	a, b := c.knot(k), c.knot(k+1)
	return a + time.Duration(frac*float64(b-a))
}

// knot returns the curve's value at its k-th knot.
func (c *jitterCurve) knot(k int64) time.Duration {
	if k == 0 {
		return c.start
	}
	u := float64(splitmix64(c.seed^splitmix64(c.gen)^splitmix64(uint64(k)+0x632be59bd9b4e019))>>11) / (1 << 53)
	return time.Duration((2*u - 1) * float64(c.amp))
}

// splitmix64 is the finaliser of Steele et al.'s SplitMix64: a well-mixed
// 64-bit hash of x.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
