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
// drain. So a live encoder does not start at the estimate but at a quarter of
// the format's bitrate (at least rampStart) and doubles its rate every second
// from the moment the viewer is connected, up to the estimate's target: every
// format reaches its own bitrate after 2 s — media as its own probe, as
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
	// rampStartShare of the format's bitrate is where bigger formats start:
	// at 300 kbit/s a 1280×720 H.264 picture is too coarse to read the
	// synthetic frame code in it (TestChromiumViewer).
	rampStartShare = 0.25
	// rampGrowth per second. GCC's first overuse on 3g came 0.5–0.9 s after
	// the start (1.3 s once): with 3× per second from a quarter of 720p's
	// 2.2 Mbit/s the ramp once reached 2.2 Mbit/s before it, and the queue
	// grew to a second; with 2× it is at most 1.4 Mbit/s by then.
	rampGrowth = 2.0
	// rampTickEvery is how often a ramping session raises its encoder's rate
	// (also without a new estimate).
	rampTickEvery = 100 * time.Millisecond
)

// startRamp limits a live encoder's rate at the start of a session. The zero
// value has not begun (no limit); it belongs to the session goroutine.
type startRamp struct {
	from  time.Time // begin: the viewer connected; zero: not begun
	start int       // bit/s at from
	done  bool
}

// rampStartFor is where the ramp of a format whose bitrate is maxRate
// starts: rampStartShare of it, at least rampStart.
func rampStartFor(maxRate int) int {
	return max(rampStart, int(rampStartShare*float64(maxRate)))
}

// begin starts the ramp at now from start (bit/s); a ramp that began or
// ended stays as it is.
func (r *startRamp) begin(now time.Time, start int) {
	if r.from.IsZero() && !r.done {
		r.from, r.start = now, start
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
	return int(float64(r.start) * math.Pow(rampGrowth, max(0, now.Sub(r.from).Seconds())))
}
