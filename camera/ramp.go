package camera

import (
	"math"
	"time"
)

// Start ramp (DESIGN.md "The camera adapts"): GCC starts at the format's
// bitrate (the "initial bitrate from the format") and needs about half
// a second of feedback to see that a thin link is full; a live encoder that
// sends the format's 2.2 Mbit/s into 3g's 768 kbit/s for that half second
// leaves about a second of queue in the link, which then takes seconds to
// drain. So a live encoder does not start at the estimate but at rampStart
// and grows by rampGrowth per second from the moment the viewer is
// connected, up to the estimate's target — media as its own probe, as
// libwebrtc's start probes (3 and 6 times the start rate) would be. The ramp
// ends for good when it reaches the target: the format's bitrate on an open
// link, or, after GCC saw the link full, the estimate that fell below the ramp
// (from then on the estimate knows the link).
// The degradation ladder follows the estimate's target, not the ramp, so a
// stream on an open link keeps its size while it ramps.
const (
	// rampStart is libwebrtc's default start bitrate
	// (kDefaultStartBitrateBps, 300 kbit/s).
	rampStart = 300_000
	// rampGrowth per second: 300 kbit/s reaches 2.2 Mbit/s (1280×720@30) in
	// 1.8 s; on a 768 kbit/s link the encoder is at most about twice the
	// link's rate when GCC's first overuse arrives, about half a second after
	// it passed the link's rate.
	rampGrowth = 3.0
	// rampTickEvery is how often a ramping session raises its encoder's rate
	// (also without a new estimate).
	rampTickEvery = 100 * time.Millisecond
)

// startRamp limits a live encoder's rate at the start of a session. The zero
// value has not begun (no limit); it belongs to the session goroutine.
type startRamp struct {
	from time.Time // begin: the viewer connected; zero: not begun
	done bool
}

// begin starts the ramp at now; a ramp that began or ended stays as it is.
func (r *startRamp) begin(now time.Time) {
	if r.from.IsZero() && !r.done {
		r.from = now
	}
}

// active says whether the ramp limits the rate.
func (r *startRamp) active() bool { return !r.from.IsZero() && !r.done }

// end ends the ramp for good.
func (r *startRamp) end() { r.done = true }

// limit is the most the encoder may get at now (bit/s); 0: no limit.
func (r *startRamp) limit(now time.Time) int {
	if !r.active() {
		return 0
	}
	return int(rampStart * math.Pow(rampGrowth, max(0, now.Sub(r.from).Seconds())))
}
