package camera

import (
	"github.com/prometheus/client_golang/prometheus"

	"echtzeit/signaling/protocol"
)

// fanOutMetrics are the metrics of the shared encoders (DESIGN.md "Camera
// metrics"): encoders running, frames each viewer was sent, key frames asked
// for and forced.
type fanOutMetrics struct {
	encoders         prometheus.Gauge
	viewers          prometheus.Gauge
	viewerFramesSent *prometheus.CounterVec
	framesHeld       prometheus.Counter
	keyFrameRequests prometheus.Counter
	keyFramesForced  prometheus.Counter
	keyFramesWarm    prometheus.Counter
	keyFramesHeld    prometheus.Counter
}

func newFanOutMetrics(reg *prometheus.Registry) *fanOutMetrics {
	f := &fanOutMetrics{
		encoders: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "echtzeit_camera_encoders",
			Help: "Sources (with their encoders) running now: one per format that viewers watch.",
		}),
		viewers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "echtzeit_camera_viewers",
			Help: "Viewers receiving frames now.",
		}),
		viewerFramesSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "echtzeit_camera_viewer_frames_sent_total",
			Help: "Frames written to each viewer's track, by viewer (participant ID); the series goes when the viewer does.",
		}, []string{"viewer"}),
		framesHeld: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "echtzeit_camera_frames_held_total",
			Help: "Frames not sent to a viewer that joined a running stream, while it waited for its first key frame.",
		}),
		keyFrameRequests: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "echtzeit_camera_keyframe_requests_total",
			Help: "Key frames asked for: picture loss indications (PLI, FIR) and viewers joining a running stream.",
		}),
		keyFramesForced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "echtzeit_camera_keyframes_forced_total",
			Help: "Key frames forced in an encoder, at most one per 500 ms per format whatever the requests.",
		}),
		keyFramesWarm: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "echtzeit_camera_keyframes_warm_total",
			Help: "Key frames asked of an encoder while the viewers of its format were all still connecting (each frame then is one; the newest is held for them).",
		}),
		keyFramesHeld: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "echtzeit_camera_keyframes_held_total",
			Help: "Viewers that got a held key frame the moment they connected, instead of waiting for one to be encoded.",
		}),
	}
	reg.MustRegister(f.encoders, f.viewers, f.viewerFramesSent, f.framesHeld, f.keyFrameRequests, f.keyFramesForced, f.keyFramesWarm, f.keyFramesHeld)
	return f
}

// EncoderStarted counts a feed of format f from source and marks f as the
// format streamed now.
func (m *Metrics) EncoderStarted(f Format, source string) {
	if m == nil {
		return
	}
	m.fan.encoders.Inc()
	m.SetFormat(f, source)
}

// EncoderStopped counts a feed that stopped.
func (m *Metrics) EncoderStopped() {
	if m != nil {
		m.fan.encoders.Dec()
	}
}

// ViewerSubscribed counts a viewer that receives frames from now on.
func (m *Metrics) ViewerSubscribed(viewer protocol.ParticipantID) {
	if m != nil {
		m.fan.viewers.Inc()
		m.fan.viewerFramesSent.WithLabelValues(string(viewer))
	}
}

// ViewerUnsubscribed counts a viewer that no longer receives frames and
// removes its series.
func (m *Metrics) ViewerUnsubscribed(viewer protocol.ParticipantID) {
	if m != nil {
		m.fan.viewers.Dec()
		m.fan.viewerFramesSent.DeleteLabelValues(string(viewer))
	}
}

// ViewerSampleSent counts a sample of size bytes written to viewer's track
// (and in the camera's totals, SampleSent).
func (m *Metrics) ViewerSampleSent(viewer protocol.ParticipantID, bytes int, picture bool) {
	if m == nil {
		return
	}
	m.SampleSent(bytes, picture)
	if picture {
		m.fan.viewerFramesSent.WithLabelValues(string(viewer)).Inc()
	}
}

// FrameHeld counts a frame a new viewer did not get while waiting for a key frame.
func (m *Metrics) FrameHeld() {
	if m != nil {
		m.fan.framesHeld.Inc()
	}
}

// KeyFrameRequested counts a request for a key frame.
func (m *Metrics) KeyFrameRequested() {
	if m != nil {
		m.fan.keyFrameRequests.Inc()
	}
}

// KeyFrameWarm counts a key frame asked for while a feed's viewers all
// connect.
func (m *Metrics) KeyFrameWarm() {
	if m != nil {
		m.fan.keyFramesWarm.Inc()
	}
}

// KeyFrameHeld counts a viewer that got the held key frame when it connected.
func (m *Metrics) KeyFrameHeld() {
	if m != nil {
		m.fan.keyFramesHeld.Inc()
	}
}

// KeyFrameForced counts a key frame forced in an encoder.
func (m *Metrics) KeyFrameForced() {
	if m != nil {
		m.fan.keyFramesForced.Inc()
	}
}
