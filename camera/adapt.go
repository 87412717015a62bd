package camera

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
)

// Adaptation says how a source follows the bandwidth estimate (DESIGN.md "The
// camera adapts").
type Adaptation int

// Adaptation modes.
const (
	AdaptationUnknown Adaptation = iota
	// AdaptationNone: the source streams its own bitrate (a clip).
	AdaptationNone
	// AdaptationRestart: the source takes Format.Bitrate when it starts and
	// is restarted when the estimate moves a lot (rpicam-vid's hardware
	// encoder).
	AdaptationRestart
	// AdaptationLive: the encoder's bitrate follows the estimate while it
	// runs, and the size and frame rate step down below a floor (the software
	// encoders, RateStreamer).
	AdaptationLive
)

var adaptationNames = [...]string{"unknown", "none", "restart", "live"}

func (a Adaptation) String() string {
	if a < 0 || int(a) >= len(adaptationNames) {
		return fmt.Sprintf("Adaptation(%d)", int(a))
	}
	return adaptationNames[a]
}

// ParseAdaptation parses the names String returns ("unknown" is refused).
func ParseAdaptation(s string) (Adaptation, error) {
	for i, n := range adaptationNames[1:] {
		if strings.EqualFold(s, n) {
			return Adaptation(i + 1), nil
		}
	}
	return AdaptationUnknown, fmt.Errorf("adaptation %q: want none, restart or live", s)
}

// Adapter is implemented by sources that say how they adapt; a source without
// it adapts live when it is a RateStreamer and not at all otherwise.
type Adapter interface {
	Adaptation() Adaptation
}

// RateStreamer is a KeyFrameStreamer whose encoder bitrate can change while it
// runs. StreamRates is StreamKeyFrames with a channel of target bitrates (bit/s);
// the encoder takes the newest one before each frame.
type RateStreamer interface {
	KeyFrameStreamer
	StreamRates(ctx context.Context, f Format, keyFrames <-chan struct{}, rates <-chan int, write func(media.Sample) error) error
}

// AdaptationOf is how src follows the estimate.
func AdaptationOf(src EncodedSource) Adaptation {
	if a, ok := src.(Adapter); ok {
		return a.Adaptation()
	}
	if _, ok := src.(RateStreamer); ok {
		return AdaptationLive
	}
	return AdaptationNone
}

// DefaultBitrate is the bitrate of a Format that leaves it 0: 0.08 bit per
// pixel and frame (≈2.2 Mbit/s at 1280×720@30), at least 150 kbit/s.
func DefaultBitrate(f Format) int {
	return max(150_000, int(0.08*float64(f.Width*f.Height*f.FPS)))
}

// maxBitrate is f's bitrate, or the default for its size and rate.
func maxBitrate(f Format) int {
	if f.Bitrate > 0 {
		return f.Bitrate
	}
	return DefaultBitrate(f)
}

// Rules of adaptation.
const (
	// targetShare of the estimate goes to the encoder; the rest is RTP, SRTP
	// and UDP/IP overhead (≈5 % at 1,200-byte packets) and retransmissions.
	targetShare = 0.9
	// rateStep is the smallest relative change passed to a live encoder.
	rateStep = 0.03
	// A restart-mode source is restarted when the target has moved by
	// restartFactor from the rate it runs at, for restartHold, and not
	// sooner than restartInterval after its last restart; the first restart
	// of a stream only waits for the hold (the stream started before there
	// was an estimate).
	restartFactor   = 1.5
	restartHold     = time.Second
	restartInterval = 5 * time.Second
	// adaptTickEvery paces the hold timers and the encoder-bitrate gauge
	// when no estimate arrives.
	adaptTickEvery = time.Second
)

// targetFor is the encoder's target for an estimate: targetShare of it, at
// most the format's bitrate.
func targetFor(estimate, maxRate int) int {
	if estimate <= 0 {
		return maxRate
	}
	return min(maxRate, int(targetShare*float64(estimate)))
}

// adaptStep is what the adaptation asks of the session.
type adaptStep struct {
	rate    int    // > 0: pass this target to the running live encoder
	restart string // not "": restart the stream (reason for the metrics)
}

// adaptation follows the estimate for one session. It belongs to the session
// goroutine; it is pure logic on the clock it is given (adapt_test.go).
type adaptation struct {
	mode    Adaptation
	base    Format // the viewer's format: the ceiling
	maxRate int
	deg     *degrader // live mode only
	fresh   bool      // live: the next stream picks its step from the target
	target  int       // the target now

	applied  int       // live: the rate the encoder has
	started  int       // restart: the rate the source was started with
	startAt  time.Time // restart: when it was started
	restarts int       // restart: adaptation restarts of the stream
	movedAt  time.Time // restart: since when the target is restartFactor away
	push     pushback  // live: the round-trip times (pushback.go)
	ramp     startRamp // live: the start ramp (ramp.go)
	estimate int       // the estimate last seen
	pref     Degradation
	supports func(Format) error
}

func newAdaptation(mode Adaptation, f Format, pref Degradation, supports func(Format) error) *adaptation {
	a := &adaptation{mode: mode, pref: pref, supports: supports}
	a.setBase(f)
	return a
}

// setBase takes the viewer's (new) format.
func (a *adaptation) setBase(f Format) {
	a.base, a.maxRate = f, maxBitrate(f)
	a.target = a.maxRate
	a.restarts = 0
	if a.mode == AdaptationLive {
		a.deg = newDegrader(f, a.maxRate, a.pref, a.supports)
		a.fresh = true
	}
}

// rate is what the encoder gets at now: the target, less the queue pushback
// of a live encoder, at most what its start ramp allows.
func (a *adaptation) rate(now time.Time) int {
	if a.mode != AdaptationLive {
		return a.target
	}
	r := int(float64(a.target) * a.push.factor(now))
	if l := a.ramp.limit(now); l > 0 {
		r = min(r, l)
	}
	return r
}

// beginRamp starts a live encoder's start ramp at now (the viewer is
// connected); false when there is none to run.
func (a *adaptation) beginRamp(now time.Time) bool {
	if a.mode != AdaptationLive {
		return false
	}
	a.ramp.begin(now, rampStartFor(a.maxRate))
	return a.ramp.active()
}

// streamFormat is the format to start a stream with at now, given the
// estimate (0: none yet), and its degradation step: the first stream of a
// format starts at the step that fits the target, later ones (after a step
// up or down, or a failure) at the step in use.
func (a *adaptation) streamFormat(now time.Time, estimate int) (Format, int) {
	f := a.base
	if a.mode == AdaptationNone {
		return f, 0
	}
	a.target = targetFor(estimate, a.maxRate)
	if estimate > 0 {
		a.estimate = estimate
	}
	switch a.mode {
	case AdaptationLive:
		if a.fresh {
			a.deg.reset(a.target)
			a.fresh = false
		}
		f = a.deg.format()
		f.Bitrate = a.rate(now)
		a.applied = f.Bitrate
		return f, a.deg.level
	case AdaptationRestart:
		f.Bitrate = a.target
		a.started, a.startAt, a.movedAt = a.target, now, time.Time{}
	}
	return f, 0
}

// onEstimate takes a new estimate (or, with the same one, a tick) at now.
func (a *adaptation) onEstimate(now time.Time, estimate int) adaptStep {
	if a.mode == AdaptationNone || estimate <= 0 {
		return adaptStep{}
	}
	a.target = targetFor(estimate, a.maxRate)
	if a.estimate > 0 && estimate < a.estimate {
		a.push.fell(now, float64(estimate) < dropShare*float64(a.estimate))
	}
	a.estimate = estimate
	switch a.mode {
	case AdaptationLive:
		if l := a.ramp.limit(now); l > 0 && float64(l) >= float64(a.target)*a.push.factor(now) {
			// Reached the target, or the estimate fell below the ramp (GCC
			// saw the link full); a fall that leaves the estimate above the
			// ramp (loss-based, 5 % at a time) says nothing of the link yet.
			a.ramp.end()
		}
		level := a.deg.level
		if a.deg.update(now, a.target) {
			reason := "degrade"
			if a.deg.level < level {
				reason = "upgrade"
			}
			return adaptStep{restart: reason}
		}
		rate := a.rate(now)
		if d := float64(rate - a.applied); d >= rateStep*float64(a.applied) || -d >= rateStep*float64(a.applied) {
			a.applied = rate
			return adaptStep{rate: rate}
		}
	case AdaptationRestart:
		moved := float64(a.target) >= restartFactor*float64(a.started) || float64(a.target)*restartFactor <= float64(a.started)
		if !moved {
			a.movedAt = time.Time{}
			return adaptStep{}
		}
		if a.movedAt.IsZero() {
			a.movedAt = now
		}
		if now.Sub(a.movedAt) >= restartHold && (a.restarts == 0 || now.Sub(a.startAt) >= restartInterval) {
			a.restarts++
			return adaptStep{restart: "bitrate"}
		}
	}
	return adaptStep{}
}
