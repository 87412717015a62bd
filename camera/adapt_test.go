package camera

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAdaptationStrings(t *testing.T) {
	for _, tc := range []struct {
		a    Adaptation
		name string
	}{
		{AdaptationUnknown, "unknown"}, {AdaptationNone, "none"}, {AdaptationRestart, "restart"}, {AdaptationLive, "live"},
		{Adaptation(9), "Adaptation(9)"},
	} {
		assert.Equal(t, tc.name, tc.a.String())
		if tc.a > AdaptationUnknown && tc.a <= AdaptationLive {
			got, err := ParseAdaptation(tc.name)
			require.NoError(t, err)
			assert.Equal(t, tc.a, got)
		}
	}
	for _, bad := range []string{"", "unknown", "fast"} {
		_, err := ParseAdaptation(bad)
		assert.Error(t, err, bad)
	}
}

// kinds of sources for AdaptationOf.
type (
	plainSource   struct{ EncodedSource }
	rateSource    struct{ RateStreamer }
	restartSource struct{ EncodedSource }
)

func (restartSource) Adaptation() Adaptation { return AdaptationRestart }

func TestAdaptationOf(t *testing.T) {
	assert.Equal(t, AdaptationNone, AdaptationOf(plainSource{}))
	assert.Equal(t, AdaptationLive, AdaptationOf(rateSource{}))
	assert.Equal(t, AdaptationRestart, AdaptationOf(restartSource{}))
}

func TestTargetFor(t *testing.T) {
	assert.Equal(t, 2_000_000, targetFor(0, 2_000_000), "no estimate: the format's bitrate")
	assert.Equal(t, 900_000, targetFor(1_000_000, 2_000_000))
	assert.Equal(t, 2_000_000, targetFor(5_000_000, 2_000_000), "never above the format's bitrate")
}

func TestAdaptationLive(t *testing.T) {
	f := Format{Width: 1280, Height: 720, FPS: 30, Codec: CodecVP8} // 2.2 Mbit/s by default
	a := newAdaptation(AdaptationLive, f, DegradationBalanced, nil)
	t0 := time.Unix(1_700_000_000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }

	g, level := a.streamFormat(t0, 2_211_840)
	assert.Equal(t, 0, level)
	assert.Equal(t, 1990656, g.Bitrate, "the stream starts at the target for the estimate")

	assert.Equal(t, adaptStep{}, a.onEstimate(at(100*time.Millisecond), 2_250_000), "under 3 %: no change")
	assert.Equal(t, adaptStep{rate: 1_800_000}, a.onEstimate(at(200*time.Millisecond), 2_000_000))
	assert.Equal(t, adaptStep{restart: "degrade"}, a.onEstimate(at(300*time.Millisecond), 700_000),
		"below half of 720p's floor: a step down at once")
	g, level = a.streamFormat(at(300*time.Millisecond), 700_000)
	assert.Equal(t, 2, level, "the step the target fits, kept by the restart")
	assert.Equal(t, Format{Width: 640, Height: 360, FPS: 30, Codec: CodecVP8, Bitrate: 315_000}, g,
		"halved for a second to drain the queue (a fall to 35 %)")
	assert.Equal(t, adaptStep{}, a.onEstimate(at(800*time.Millisecond), 700_000))
	assert.Equal(t, adaptStep{rate: 630_000}, a.onEstimate(at(1300*time.Millisecond), 700_000), "the drain is over")

	// The estimate recovers: 540p after four seconds above 1.3 × its floor.
	assert.Equal(t, adaptStep{rate: 1_800_000}, a.onEstimate(at(2*time.Second), 2_000_000))
	assert.Equal(t, adaptStep{restart: "upgrade"}, a.onEstimate(at(6*time.Second), 2_000_000))
	g, level = a.streamFormat(at(6*time.Second), 2_000_000)
	assert.Equal(t, 1, level)
	assert.Equal(t, 960, g.Width)

	// A new format from the viewer starts over at the step that fits.
	a.setBase(Format{Width: 640, Height: 480, FPS: 30, Codec: CodecVP8, Bitrate: 1_000_000})
	g, level = a.streamFormat(at(7*time.Second), 2_000_000)
	assert.Equal(t, 0, level)
	assert.Equal(t, 1_000_000, g.Bitrate)
}

func TestAdaptationRestart(t *testing.T) {
	f := Format{Width: 1280, Height: 720, FPS: 30, Codec: CodecH264, Bitrate: 2_000_000}
	a := newAdaptation(AdaptationRestart, f, DegradationBalanced, nil)
	t0 := time.Unix(1_700_000_000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	g, level := a.streamFormat(t0, 0)
	assert.Equal(t, f, g, "before any estimate: the format's bitrate")
	assert.Equal(t, 0, level)

	assert.Equal(t, adaptStep{}, a.onEstimate(at(time.Second), 1_500_000), "1.35 M from 2 M is not a large move")
	assert.Equal(t, adaptStep{}, a.onEstimate(at(2*time.Second), 800_000), "a large move starts the hold")
	assert.Equal(t, adaptStep{restart: "bitrate"}, a.onEstimate(at(3*time.Second), 800_000),
		"the first restart waits only for the hold: the stream started without an estimate")
	g, _ = a.streamFormat(at(3*time.Second), 800_000)
	assert.Equal(t, 720_000, g.Bitrate, "the new process gets the target")
	assert.Equal(t, 1280, g.Width, "a restart source keeps its size")

	assert.Equal(t, adaptStep{}, a.onEstimate(at(4*time.Second), 2_000_000), "up: hold")
	assert.Equal(t, adaptStep{}, a.onEstimate(at(6*time.Second), 2_000_000), "held, but not 5 s since the last restart")
	assert.Equal(t, adaptStep{}, a.onEstimate(at(7*time.Second), 1_000_000), "back near the rate: the hold ends")
	assert.Equal(t, adaptStep{}, a.onEstimate(at(8*time.Second), 2_000_000))
	assert.Equal(t, adaptStep{restart: "bitrate"}, a.onEstimate(at(9*time.Second), 2_000_000))
	g, _ = a.streamFormat(at(9*time.Second), 2_000_000)
	assert.Equal(t, adaptStep{}, a.onEstimate(at(11*time.Second), 600_000))
	assert.Equal(t, adaptStep{}, a.onEstimate(at(13*time.Second), 600_000), "held, but not 5 s since the last restart")
	assert.Equal(t, adaptStep{restart: "bitrate"}, a.onEstimate(at(14*time.Second), 600_000))
}

func TestAdaptationNone(t *testing.T) {
	f := Format{Width: 1280, Height: 720, FPS: 30, Codec: CodecH264}
	a := newAdaptation(AdaptationNone, f, DegradationBalanced, nil)
	g, _ := a.streamFormat(time.Now(), 100_000)
	assert.Equal(t, f, g, "a clip plays as it is")
	assert.Equal(t, adaptStep{}, a.onEstimate(time.Now(), 100_000))
}

// TestAdaptationPushback: while the round-trip time is well above the lowest
// one after a fall of the estimate, a live encoder gets less than the target;
// the ladder still follows the target itself.
func TestAdaptationPushback(t *testing.T) {
	f := Format{Width: 640, Height: 360, FPS: 30, Codec: CodecVP8, Bitrate: 1_000_000}
	a := newAdaptation(AdaptationLive, f, DegradationBalanced, nil)
	t0 := time.Unix(1_700_000_000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	g, _ := a.streamFormat(t0, 1_100_000)
	assert.Equal(t, 990_000, g.Bitrate)
	a.push.add(at(100*time.Millisecond), 150*time.Millisecond)
	a.push.add(at(time.Second), 550*time.Millisecond) // 400 ms of queue
	assert.Equal(t, adaptStep{}, a.onEstimate(at(time.Second), 1_100_000), "no fall of the estimate: no pushback")
	assert.Equal(t, adaptStep{rate: 630_000}, a.onEstimate(at(1100*time.Millisecond), 1_000_000), "a fall: 70 % of the target")
	assert.Equal(t, 630_000, a.rate(at(1100*time.Millisecond)))
	assert.Equal(t, 900_000, a.target, "the ladder sees the target")
	assert.Equal(t, adaptStep{}, a.onEstimate(at(2500*time.Millisecond), 1_000_000), "630 k is above 500 k: no step down")
	a.push.add(at(3*time.Second), 160*time.Millisecond) // drained
	assert.Equal(t, adaptStep{rate: 900_000}, a.onEstimate(at(3*time.Second), 1_000_000))
}

// TestAdaptationDrainsAfterADrop: when the estimate falls to less than half in
// one step, the encoder gets half the target for a second (the queue the
// overshoot built), then the whole target again.
func TestAdaptationDrainsAfterADrop(t *testing.T) {
	f := Format{Width: 640, Height: 360, FPS: 30, Codec: CodecVP8, Bitrate: 2_000_000}
	a := newAdaptation(AdaptationLive, f, DegradationMaintainResolution, nil)
	t0 := time.Unix(1_700_000_000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	a.streamFormat(t0, 2_000_000)
	assert.Equal(t, adaptStep{rate: 1_350_000}, a.onEstimate(at(300*time.Millisecond), 1_500_000), "a fall to 75 %: no drain")
	assert.Equal(t, adaptStep{rate: 270_000}, a.onEstimate(at(400*time.Millisecond), 600_000), "to 40 %: half of the target")
	assert.Equal(t, adaptStep{}, a.onEstimate(at(1300*time.Millisecond), 600_000))
	assert.Equal(t, adaptStep{rate: 540_000}, a.onEstimate(at(1400*time.Millisecond), 600_000), "a second later")
}
