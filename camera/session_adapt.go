package camera

import (
	"sync/atomic"
	"time"

	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/rtcp"
)

// The adaptation half of a session (DESIGN.md "The camera adapts"): the
// bandwidth estimate enters as an event, the adaptation (adapt.go) decides,
// and the session passes a new target to the running encoder or restarts the
// stream. Runs on the session goroutine, except the estimator's callback and
// the tick timer, which only post events, and the source's write, which only
// counts bytes.

// Events of adaptation in a session's mailbox.
type (
	// estimateChanged: the estimator has a new target; the session reads
	// it (the callbacks run on goroutines of their own and may arrive out of
	// order, so they carry no value).
	estimateChanged struct{}
	// adaptTick: time to look again (hold timers, encoder bitrate).
	adaptTick struct{}
	// rttChanged: a receiver report gave a round-trip time (sessionAdapt.rtt).
	rttChanged struct{}
	// rampTick: time to raise a ramping encoder's rate (ramp.go).
	rampTick struct{}
)

// sessionAdapt is the session's adaptation state.
type sessionAdapt struct {
	bwe   cc.BandwidthEstimator // nil: congestion control off
	a     *adaptation
	timer *time.Timer
	ramp  *time.Timer // while the start ramp runs (ramp.go)

	// queued is set while an estimateChanged waits in the mailbox: one is
	// enough, since the session reads the current estimate (a viewer's
	// feedback cannot grow the mailbox).
	queued        atomic.Bool
	rtt           atomic.Int64 // the latest round-trip time (ns), from readRTCP
	rttQueued     atomic.Bool  // a rttChanged waits in the mailbox
	rttSeeded     bool         // the pushback has the ICE round-trip time
	delivered     atomic.Int64 // bytes the source wrote (its write callback)
	lastDelivered int64
	lastTick      time.Time
}

// setupAdaptation starts following est (nil: congestion control off).
func (s *session) setupAdaptation(est cc.BandwidthEstimator) {
	mode := AdaptationOf(s.src)
	if est == nil {
		mode = AdaptationNone
	}
	s.ad.bwe = est
	s.ad.a = newAdaptation(mode, s.format, s.degradation, func(f Format) error { return CheckFormat(s.src, f) })
	s.ad.lastTick = time.Now()
	s.metrics.SetAdaptation(mode)
	if est == nil {
		return
	}
	inbox, queued := s.inbox, &s.ad.queued
	est.OnTargetBitrateChange(func(int) {
		if queued.CompareAndSwap(false, true) {
			inbox.put(estimateChanged{})
		}
	})
	s.ad.timer = time.AfterFunc(adaptTickEvery, func() { inbox.put(adaptTick{}) })
}

func (s *session) stopAdaptation() {
	if s.ad.timer != nil {
		s.ad.timer.Stop()
	}
	if s.ad.ramp != nil {
		s.ad.ramp.Stop()
	}
}

// beginRamp starts the start ramp of a live encoder when the viewer is
// connected (ramp.go) and applies its first limit; rampTick raises it.
func (s *session) beginRamp() {
	if s.ad.bwe == nil || !s.ad.a.beginRamp(time.Now()) {
		return
	}
	s.onEstimate()
	inbox := s.inbox
	s.ad.ramp = time.AfterFunc(rampTickEvery, func() { inbox.put(rampTick{}) })
}

// onRampTick raises a ramping encoder's rate, until the ramp ends.
func (s *session) onRampTick() {
	s.onEstimate()
	if s.ad.a.ramp.active() {
		s.ad.ramp.Reset(rampTickEvery)
	}
}

// estimate is the estimator's current target (bit/s), 0 without one.
func (s *session) estimate() int {
	if s.ad.bwe == nil {
		return 0
	}
	return s.ad.bwe.GetTargetBitrate()
}

// streamFormat is the format a new stream starts with: the viewer's, or the
// degradation step and bitrate that fit the estimate.
func (s *session) streamFormat() Format {
	if s.ad.a.base != s.format {
		s.ad.a.setBase(s.format)
	}
	s.seedRTT()
	f, level := s.ad.a.streamFormat(time.Now(), s.estimate())
	s.metrics.SetStreaming(f, level)
	if s.ad.a.mode != AdaptationNone {
		s.metrics.SetTargetBitrate(f.Bitrate)
	}
	return f
}

// onEstimate applies the current estimate.
func (s *session) onEstimate() {
	s.ad.queued.Store(false)
	est := s.estimate()
	if est <= 0 {
		return
	}
	s.metrics.SetEstimate(est)
	if s.sub == nil || s.ad.a.base != s.format {
		return // no stream, or one about to restart with a new format
	}
	now := time.Now()
	ramping := s.ad.a.ramp.active()
	step := s.ad.a.onEstimate(now, est)
	if ramping && !s.ad.a.ramp.active() {
		s.log.Info("start ramp over", "after", now.Sub(s.ad.a.ramp.from).Round(time.Millisecond), "estimate_kbps", est/1000, "rate_kbps", s.ad.a.rate(now)/1000)
	}
	if s.ad.a.mode != AdaptationNone {
		s.metrics.SetTargetBitrate(s.ad.a.rate(now))
	}
	switch {
	case step.restart == "bitrate":
		// The same feed, started again at the new target (its viewers'
		// least): rpicam-vid takes its bitrate only when it starts.
		s.log.Info("adapting the stream", "reason", step.restart, "estimate_kbps", est/1000, "target_kbps", s.ad.a.target/1000)
		s.metrics.AdaptationRestart(step.restart)
		f := s.streamFormat()
		s.sub.setTarget(f.Bitrate)
		s.sub.feed.restart()
	case step.restart != "":
		// Another step of the ladder: the feed of that size and rate.
		s.log.Info("adapting the stream", "reason", step.restart, "estimate_kbps", est/1000, "target_kbps", s.ad.a.target/1000)
		s.metrics.AdaptationRestart(step.restart)
		s.startStream()
	case step.rate > 0:
		s.sub.setTarget(step.rate)
	}
}

// onAdaptTick measures the source's bitrate and looks at the estimate again.
func (s *session) onAdaptTick() {
	now := time.Now()
	if dt := now.Sub(s.ad.lastTick).Seconds(); dt > 0 {
		n := s.ad.delivered.Load()
		s.metrics.SetEncoderBitrate(float64(n-s.ad.lastDelivered) * 8 / dt)
		s.ad.lastDelivered, s.ad.lastTick = n, now
	}
	s.onEstimate()
	s.ad.timer.Reset(adaptTickEvery)
}

// receiverReport takes the round-trip times of a viewer's RTCP receiver
// report (readRTCP's goroutine): it keeps the latest and posts one rttChanged.
func (s *session) receiverReport(rr *rtcp.ReceiverReport) {
	now := time.Now()
	for _, r := range rr.Reports {
		if rtt, ok := rttOf(now, r); ok {
			s.ad.rtt.Store(int64(rtt))
			if s.ad.rttQueued.CompareAndSwap(false, true) {
				s.inbox.put(rttChanged{})
			}
		}
	}
}

// onRTT feeds the latest round-trip time to the queue pushback.
func (s *session) onRTT() {
	s.ad.rttQueued.Store(false)
	if s.ad.a == nil {
		return
	}
	now, rtt := time.Now(), time.Duration(s.ad.rtt.Load())
	s.ad.a.push.add(now, rtt)
	s.log.Debug("round trip", "rtt", rtt.Round(time.Millisecond), "lowest", s.ad.a.push.lowest.Round(time.Millisecond), "pushback", s.ad.a.push.factor(now))
	s.onEstimate()
}

// seedRTT gives the pushback the round-trip time ICE measured on the selected
// candidate pair before any media: the first receiver reports come when the
// first second's queue has already built up. Only once connected: before,
// pion's ICE transport may still be starting (a warm start's stream begins
// before ICE, stream.go), and reading its pair then races with its start.
func (s *session) seedRTT() {
	if s.ad.rttSeeded || !s.connected || s.sender == nil || s.sender.Transport() == nil {
		return
	}
	st, ok := s.sender.Transport().ICETransport().GetSelectedCandidatePairStats()
	if !ok || st.CurrentRoundTripTime <= 0 {
		return
	}
	s.ad.rttSeeded = true
	s.ad.a.push.add(time.Now(), time.Duration(st.CurrentRoundTripTime*float64(time.Second)))
}
