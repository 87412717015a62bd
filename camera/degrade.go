package camera

import (
	"fmt"
	"strings"
	"time"
)

// The degradation policy (DESIGN.md "The camera adapts"): when the target
// bitrate stays below what the format needs, the camera streams a smaller
// picture or fewer frames, and goes back step by step when the estimate
// recovers. Like WebRTC's "balanced" degradation preference, the default
// trades both: the size first, down to half the width and height at the full
// frame rate (motion stays smooth), then frame rate and size in turn.

// Degradation is what the camera gives up when the target bitrate is below
// what the format needs (WebRTC's RTCDegradationPreference).
type Degradation int

// Degradation preferences.
const (
	DegradationUnknown Degradation = iota
	// DegradationBalanced lowers the size first, to half the width and
	// height, then the frame rate and the size in turn (the default).
	DegradationBalanced
	// DegradationMaintainFramerate lowers only the size.
	DegradationMaintainFramerate
	// DegradationMaintainResolution lowers only the frame rate.
	DegradationMaintainResolution
	// DegradationDisabled keeps size and frame rate; only the bitrate follows
	// the estimate.
	DegradationDisabled
)

var degradationNames = [...]string{"unknown", "balanced", "maintain-framerate", "maintain-resolution", "disabled"}

func (d Degradation) String() string {
	if d < 0 || int(d) >= len(degradationNames) {
		return fmt.Sprintf("Degradation(%d)", int(d))
	}
	return degradationNames[d]
}

// ParseDegradation parses the names String returns ("unknown" is refused).
func ParseDegradation(s string) (Degradation, error) {
	for i, n := range degradationNames[1:] {
		if strings.EqualFold(s, n) {
			return Degradation(i + 1), nil
		}
	}
	return DegradationUnknown, fmt.Errorf("degradation %q: want balanced, maintain-framerate, maintain-resolution or disabled", s)
}

// ladderStep is a step below the requested format: size as a fraction of the
// width and height, frame rate as a fraction of the requested one.
type ladderStep struct{ sizeNum, sizeDen, fpsNum, fpsDen int }

// ladders are the steps of each preference, the requested format first.
var ladders = map[Degradation][]ladderStep{
	DegradationBalanced: {
		{1, 1, 1, 1}, {3, 4, 1, 1}, {1, 2, 1, 1}, {1, 2, 2, 3}, {3, 8, 2, 3}, {1, 4, 2, 3}, {1, 4, 1, 2}, {1, 4, 1, 3},
	},
	DegradationMaintainFramerate:  {{1, 1, 1, 1}, {3, 4, 1, 1}, {1, 2, 1, 1}, {3, 8, 1, 1}, {1, 4, 1, 1}},
	DegradationMaintainResolution: {{1, 1, 1, 1}, {1, 1, 2, 3}, {1, 1, 1, 2}, {1, 1, 1, 3}},
	DegradationDisabled:           {{1, 1, 1, 1}},
}

// Smallest picture and frame rate the ladder goes down to (the requested
// format itself may be smaller).
const (
	minLadderWidth  = 160
	minLadderHeight = 90
	minLadderFPS    = 5
)

// startLimits are the bitrates (bit/s at 30 fps) a frame size needs before the
// camera streams it: libwebrtc's default singlecast resolution limits for
// VP8 (min_start_bitrate_bps of EncoderInfo's ResolutionBitrateLimits), with
// 150 kbit/s for 320×180, where libwebrtc has none (its simulcast target for
// that layer).
var startLimits = []struct{ pixels, bps int }{
	{320 * 180, 150_000},
	{480 * 270, 300_000},
	{640 * 360, 500_000},
	{960 * 540, 800_000},
	{1280 * 720, 1_500_000},
}

// floorFraction is the largest share of the format's bitrate that its own
// floor may be: a camera told to stream 1280×720 at 1 Mbit/s keeps 1280×720
// as long as the estimate allows 700 kbit/s (the ladder's floors scale down).
const floorFraction = 0.7

// Hysteresis of the ladder.
const (
	downHold = time.Second     // target below the floor this long: step down
	upHold   = 4 * time.Second // target above upFactor × the next floor this long: step up
	upFactor = 1.3
	// downAtOnce: a target below this share of the floor steps down without
	// the hold. No flapping to fear there, and waiting costs: a 1280×720
	// VP8 encoder asked for 600 kbit/s sends more than 3g's 768 kbit/s (it
	// cannot make frames that small), so every second of hold adds about a
	// quarter second of queue in the link.
	downAtOnce = 0.5
)

// startLimit interpolates startLimits linearly in the pixel count (and
// proportionally beyond the table's ends), for 30 fps.
func startLimit(pixels int) float64 {
	first, last := startLimits[0], startLimits[len(startLimits)-1]
	switch {
	case pixels <= first.pixels:
		return float64(first.bps) * float64(pixels) / float64(first.pixels)
	case pixels >= last.pixels:
		return float64(last.bps) * float64(pixels) / float64(last.pixels)
	}
	for i := 1; i < len(startLimits); i++ {
		lo, hi := startLimits[i-1], startLimits[i]
		if pixels <= hi.pixels {
			t := float64(pixels-lo.pixels) / float64(hi.pixels-lo.pixels)
			return float64(lo.bps) + t*float64(hi.bps-lo.bps)
		}
	}
	return float64(last.bps)
}

// floorBitrate is the target bitrate the format f needs (before scaling to
// the format's own bitrate): startLimit of its size times its frame rate / 30.
func floorBitrate(f Format) float64 {
	return startLimit(f.Width*f.Height) * float64(f.FPS) / 30
}

// even rounds n×num/den down to an even number.
func even(n, num, den int) int { return n * num / den / 2 * 2 }

// degradationLadder lists the formats the camera may stream instead of f
// under the preference pref (unknown: balanced), f first, each smaller or
// slower than the one before; supports (may be nil) drops the steps the
// source cannot deliver.
func degradationLadder(f Format, pref Degradation, supports func(Format) error) []Format {
	steps, ok := ladders[pref]
	if !ok {
		steps = ladders[DegradationBalanced]
	}
	out := []Format{f}
	for _, st := range steps[1:] {
		g, prev := f, out[len(out)-1]
		g.Width, g.Height = even(f.Width, st.sizeNum, st.sizeDen), even(f.Height, st.sizeNum, st.sizeDen)
		if g.Width < minLadderWidth || g.Height < minLadderHeight {
			g.Width, g.Height = prev.Width, prev.Height // the size stops shrinking, the rate goes on
		}
		g.FPS = f.FPS * st.fpsNum / st.fpsDen
		switch {
		case g.FPS < minLadderFPS:
			continue
		case g.Width == prev.Width && g.Height == prev.Height && g.FPS == prev.FPS:
			continue
		case g.Width*g.Height*g.FPS >= prev.Width*prev.Height*prev.FPS:
			continue
		}
		if supports != nil && supports(g) != nil {
			continue
		}
		out = append(out, g)
	}
	return out
}

// degrader walks the ladder. It belongs to the session goroutine.
type degrader struct {
	ladder []Format
	floors []int // bit/s, one per step
	level  int
	below  time.Time // since when the target is below floors[level]; zero: not below
	above  time.Time // since when the target is above upFactor × floors[level-1]
}

// newDegrader builds the ladder of f under pref; f's own bitrate is maxRate
// (bit/s).
func newDegrader(f Format, maxRate int, pref Degradation, supports func(Format) error) *degrader {
	d := &degrader{ladder: degradationLadder(f, pref, supports)}
	scale := 1.0
	if top := floorBitrate(f); top > floorFraction*float64(maxRate) {
		scale = floorFraction * float64(maxRate) / top
	}
	for _, g := range d.ladder {
		d.floors = append(d.floors, int(scale*floorBitrate(g)))
	}
	return d
}

// format is the step in use.
func (d *degrader) format() Format { return d.ladder[d.level] }

// fit is the highest step whose floor target reaches (the last step when none).
func (d *degrader) fit(target int) int {
	for i, fl := range d.floors {
		if target >= fl {
			return i
		}
	}
	return len(d.floors) - 1
}

// reset forgets the hold timers and jumps to the step that fits target (at
// the start of a stream, when there is no history to wait for).
func (d *degrader) reset(target int) {
	d.level = d.fit(target)
	d.below, d.above = time.Time{}, time.Time{}
}

// update takes the target at now and reports whether the step changed: down
// (possibly several steps, to the one that fits) after the target has been
// below the floor for downHold, or at once when it is below downAtOnce times
// the floor; up one step after it has been above upFactor times the next
// step's floor for upHold.
func (d *degrader) update(now time.Time, target int) bool {
	if target < d.floors[d.level] && d.level < len(d.ladder)-1 {
		d.above = time.Time{}
		if d.below.IsZero() {
			d.below = now
		}
		if now.Sub(d.below) >= downHold || float64(target) < downAtOnce*float64(d.floors[d.level]) {
			d.level = max(d.fit(target), d.level+1)
			d.below = time.Time{}
			return true
		}
		return false
	}
	d.below = time.Time{}
	if d.level == 0 || float64(target) < upFactor*float64(d.floors[d.level-1]) {
		d.above = time.Time{}
		return false
	}
	if d.above.IsZero() {
		d.above = now
	}
	if now.Sub(d.above) >= upHold {
		d.level--
		d.above = time.Time{}
		return true
	}
	return false
}
