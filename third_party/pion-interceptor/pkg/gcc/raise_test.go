// echtzeit: tests of RaiseEstimate and rateController.raise (PATCH.md).

package gcc

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock advances only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// settleNear1M gives c the history of a link of 1 Mbit/s: three overuses
// at about 1 Mbit/s received, so the received rate near 1 Mbit/s lies in the
// band of past decreases (the additive increase).
func settleNear1M(c *rateController, clock *fakeClock) {
	for _, rx := range []int{1_000_000, 980_000, 1_020_000} {
		c.onReceivedRate(rx)
		c.target = clampInt(c.decrease(), c.minBitrate, c.maxBitrate)
		clock.t = clock.t.Add(2 * time.Second)
	}
}

// run feeds increases every 100 ms for d, the received rate following the
// target (a sender that sends what the estimate allows).
func run(c *rateController, clock *fakeClock, d time.Duration) {
	for end := clock.t.Add(d); clock.t.Before(end); {
		clock.t = clock.t.Add(100 * time.Millisecond)
		c.onReceivedRate(int(0.95 * float64(c.target)))
		c.lock.Lock()
		c.target = clampInt(c.increase(clock.t), c.minBitrate, c.maxBitrate)
		c.lock.Unlock()
	}
}

func TestRateControllerRaise(t *testing.T) {
	cases := []struct {
		name  string
		raise int
		min   int // target at least this 10 s after the rise
		max   int // and at most this
	}{
		// Without a probe the target climbs from ~850 kbit/s: additive in the
		// band, then 8 %/s: short of 1.9 Mbit/s after 10 s.
		{name: "no probe", raise: 0, min: 850_000, max: 1_900_000},
		// A probe that delivered 2 Mbit/s: the target starts there, and the
		// increase after it is multiplicative (the band is forgotten).
		{name: "probe 2M", raise: 2_000_000, min: 2_000_000, max: 25_000_000},
		// A probe below the target changes nothing.
		{name: "probe below", raise: 500_000, min: 850_000, max: 1_900_000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Unix(1000, 0)}
			c := newRateController(clock.now, 1_000_000, 50_000, 25_000_000, func(DelayStats) {})
			c.updateRTT(50 * time.Millisecond)
			settleNear1M(c, clock)
			before := c.target
			require.InDelta(t, 867_000, before, 1_000, "0.85 of the last received rate")
			if tc.raise > 0 {
				got := c.raise(tc.raise)
				assert.Equal(t, max(before, tc.raise), got)
			}
			run(c, clock, 10*time.Second)
			assert.GreaterOrEqual(t, c.target, tc.min)
			assert.Less(t, c.target, tc.max)

			// An overuse still decreases to 0.85 of the received rate.
			c.onReceivedRate(1_200_000)
			assert.Equal(t, 1_020_000, clampInt(c.decrease(), c.minBitrate, c.maxBitrate))
		})
	}
}

func TestSendSideBWERaiseEstimate(t *testing.T) {
	bwe, err := NewSendSideBWE(SendSideBWEInitialBitrate(1_000_000), SendSideBWEPacer(NewNoOpPacer()))
	require.NoError(t, err)
	defer func() { require.NoError(t, bwe.Close()) }()
	changed := make(chan int, 4)
	bwe.OnTargetBitrateChange(func(rate int) { changed <- rate })

	bwe.RaiseEstimate(800_000)
	assert.Equal(t, 1_000_000, bwe.GetTargetBitrate(), "a lower rate changes nothing")

	bwe.RaiseEstimate(2_500_000)
	assert.Equal(t, 2_500_000, bwe.GetTargetBitrate())
	assert.Equal(t, 2_500_000, <-changed)
	assert.Equal(t, 2_500_000, bwe.lossController.getEstimate(2_500_000).TargetBitrate,
		"the loss-based estimate does not hold the raise back")

	bwe.RaiseEstimate(1_000_000_000)
	assert.Equal(t, maxBitrate, bwe.GetTargetBitrate(), "within the bounds")
}
