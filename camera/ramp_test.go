package camera

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRampStartFor(t *testing.T) {
	for _, tc := range []struct {
		f    Format
		want int
	}{
		{Format{Width: 640, Height: 480, FPS: 30}, rampStart},                       // 737 kbit/s: a quarter is below 300
		{Format{Width: 1280, Height: 720, FPS: 30}, 552_960},                        // a quarter of 2.2 Mbit/s
		{Format{Width: 1920, Height: 1080, FPS: 30, Bitrate: 8_000_000}, 2_000_000}, // of --bitrate
	} {
		assert.Equal(t, tc.want, rampStartFor(maxBitrate(tc.f)), tc.f.String())
	}
}

func TestStartRampLimit(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var r startRamp
	assert.Zero(t, r.limit(t0), "not begun: no limit")
	r.begin(t0, rampStart)
	r.begin(t0.Add(time.Second), 1_000_000) // a second begin changes nothing
	for _, tc := range []struct {
		after time.Duration
		want  int
	}{
		{0, 300_000},
		{time.Second, 600_000},
		{2 * time.Second, 1_200_000},
		{500 * time.Millisecond, 424_264},
	} {
		assert.InDelta(t, tc.want, r.limit(t0.Add(tc.after)), 1, tc.after.String())
	}
	assert.Equal(t, rampStart, r.limit(t0.Add(-time.Second)), "a clock before the start: the start rate")
	r.end()
	assert.Zero(t, r.limit(t0.Add(time.Second)), "ended: no limit")
	r.begin(t0.Add(2*time.Second), rampStart)
	assert.False(t, r.active(), "an ended ramp does not begin again")
}

// TestAdaptationRampsToTheTarget: on an open link a live encoder starts at
// the ramp's start rate (a quarter of 720p's 2.2 Mbit/s) when the viewer
// connects, grows to the target and
// stays there; the ladder keeps the viewer's size all along.
func TestAdaptationRampsToTheTarget(t *testing.T) {
	f := Format{Width: 1280, Height: 720, FPS: 30, Codec: CodecVP8} // 2.2 Mbit/s by default
	a := newAdaptation(AdaptationLive, f, DegradationBalanced, nil)
	t0 := time.Unix(1_700_000_000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }

	g, level := a.streamFormat(t0, 2_211_840)
	assert.Equal(t, 1_990_656, g.Bitrate, "before the viewer connects (a warm start): no ramp")
	assert.True(t, a.beginRamp(t0))
	assert.Equal(t, adaptStep{rate: 552_960}, a.onEstimate(t0, 2_211_840))
	assert.Equal(t, adaptStep{rate: 1_105_920}, a.onEstimate(at(time.Second), 2_300_000), "growing without a new estimate too")
	g, level = a.streamFormat(at(time.Second), 2_300_000)
	assert.Equal(t, 0, level, "the ladder follows the target, not the ramp")
	assert.Equal(t, 1280, g.Width)
	assert.Equal(t, 1_105_920, g.Bitrate, "a restarted stream keeps the ramp")
	assert.Equal(t, adaptStep{rate: 2_160_000}, a.onEstimate(at(2*time.Second), 2_400_000), "reached the target")
	assert.False(t, a.ramp.active(), "the ramp is over")
	assert.Equal(t, 2_160_000, a.rate(at(10*time.Second)))
}

// TestAdaptationRampEndsWhenTheEstimateFalls: GCC's first overuse ends the
// ramp; from then on the estimate (with the queue pushback) sets the rate,
// and the ladder steps down as before.
func TestAdaptationRampEndsWhenTheEstimateFalls(t *testing.T) {
	f := Format{Width: 1280, Height: 720, FPS: 30, Codec: CodecVP8}
	a := newAdaptation(AdaptationLive, f, DegradationBalanced, nil)
	t0 := time.Unix(1_700_000_000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	a.streamFormat(t0, 2_211_840)
	a.beginRamp(t0)
	assert.Equal(t, adaptStep{rate: 552_960}, a.onEstimate(t0, 2_211_840))
	assert.Equal(t, adaptStep{rate: 1_105_920}, a.onEstimate(at(time.Second), 2_300_000))
	assert.Equal(t, adaptStep{}, a.onEstimate(at(time.Second), 2_200_000), "a fall that leaves the estimate above the ramp")
	assert.True(t, a.ramp.active(), "says nothing of the link")
	// Overuse: 85 % of the 768 kbit/s that arrived.
	assert.Equal(t, adaptStep{restart: "degrade"}, a.onEstimate(at(1200*time.Millisecond), 652_800),
		"the ramp is over; below half of 720p's floor: a step down at once")
	assert.False(t, a.ramp.active())
	g, level := a.streamFormat(at(1200*time.Millisecond), 652_800)
	assert.Equal(t, 2, level)
	assert.Equal(t, 293_760, g.Bitrate, "a fall to less than half: half the target for a second")
	assert.Equal(t, adaptStep{rate: 587_520}, a.onEstimate(at(2200*time.Millisecond), 652_800), "no ramp limit after the fall")
	a.beginRamp(at(3 * time.Second))
	assert.False(t, a.ramp.active(), "one ramp per session")
}

func TestAdaptationRampOnlyLive(t *testing.T) {
	f := Format{Width: 1280, Height: 720, FPS: 30, Codec: CodecH264}
	for _, mode := range []Adaptation{AdaptationNone, AdaptationRestart} {
		a := newAdaptation(mode, f, DegradationBalanced, nil)
		assert.False(t, a.beginRamp(time.Unix(1_700_000_000, 0)), mode.String())
		assert.False(t, a.ramp.active(), mode.String())
	}
}
