package camera

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the camera's Prometheus metrics (DESIGN.md "Camera metrics") on their
// own registry, together with the process and Go collectors. All methods are safe
// on a nil *Metrics (they do nothing), so tests and tools can leave it out.
type Metrics struct {
	registry *prometheus.Registry

	framesCaptured prometheus.Counter
	framesEncoded  prometheus.Counter
	framesSent     prometheus.Counter
	framesDropped  prometheus.Counter
	encodeSeconds  prometheus.Histogram
	sendSeconds    prometheus.Histogram
	bytesSent      prometheus.Counter
	formatInfo     *prometheus.GaugeVec
	peerState      *prometheus.GaugeVec
	adapt          adaptMetrics // metrics_bwe.go

	fan *fanOutMetrics

	sessions        prometheus.Gauge
	sessionsStarted prometheus.Counter
	sessionsEnded   *prometheus.CounterVec
	sessionsDelayed *prometheus.CounterVec
	sessionsRefused *prometheus.CounterVec
	signalsSent     prometheus.Counter
	signalsDropped  *prometheus.CounterVec
	signalQueue     prometheus.Gauge

	mu         sync.Mutex // guards lastFormat
	lastFormat prometheus.Labels
}

// NewMetrics creates the metrics on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		framesCaptured: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "echtzeit_camera_frames_captured_total",
			Help: "Frames taken from the source (raw frames, or access units of a pass-through source).",
		}),
		framesEncoded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "echtzeit_camera_frames_encoded_total",
			Help: "Frames that came out of the encoder (pass-through: access units delivered encoded).",
		}),
		framesSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "echtzeit_camera_frames_sent_total",
			Help: "Frames written to a WebRTC track.",
		}),
		framesDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "echtzeit_camera_frames_dropped_total",
			Help: "Frame slots skipped because capture or encoding fell behind, or frames the track refused.",
		}),
		encodeSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "echtzeit_camera_encode_seconds",
			Help:    "Time to encode one frame in software.",
			Buckets: []float64{.001, .002, .005, .01, .015, .02, .03, .04, .05, .075, .1, .2, .5},
		}),
		sendSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "echtzeit_camera_send_seconds",
			Help:    "Time to write one encoded frame to the WebRTC track: RTP packetisation, SRTP, the UDP sends.",
			Buckets: []float64{.00005, .0001, .0002, .0005, .001, .002, .005, .01, .02, .05},
		}),
		bytesSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "echtzeit_camera_bytes_sent_total",
			Help: "Encoded bytes written to WebRTC tracks (payload, before RTP packetisation).",
		}),
		formatInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "echtzeit_camera_format_info",
			Help: "1 for the format currently streamed.",
		}, []string{"width", "height", "fps", "codec", "source"}),
		peerState: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "echtzeit_camera_peer_state",
			Help: "1 for the state of the current WebRTC PeerConnection.",
		}, []string{"state"}),
	}
	m.addSessionMetrics()
	m.fan = newFanOutMetrics(m.registry)
	m.registry.MustRegister(
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
		m.framesCaptured, m.framesEncoded, m.framesSent, m.framesDropped,
		m.encodeSeconds, m.sendSeconds, m.bytesSent, m.formatInfo, m.peerState,
		m.sessions, m.sessionsStarted, m.sessionsEnded, m.sessionsDelayed, m.sessionsRefused,
		m.signalsSent, m.signalsDropped, m.signalQueue,
	)
	m.adapt = newAdaptMetrics(m.registry)
	return m
}

// Label values of the session and signal metrics (DESIGN.md "Camera metrics").
const (
	delayViewerBackoff = "viewer-backoff" // the viewer's own backoff after sessions that ended early
	delayStartRate     = "start-rate"     // the camera-wide limit on session starts
	refuseMaxSessions  = "max-sessions"   // Limits.MaxSessions reached
	refuseSignalFlood  = "signal-flood"   // too many signals while the start was delayed
	dropViewerGone     = "viewer-gone"    // the session ended before its signal went out
	dropQueueFull      = "queue-full"     // the pacer's queue was full
)

// addSessionMetrics creates the metrics of sessions, their limits and the pacer,
// with every label value at zero so that a scraper sees the series from the start.
func (m *Metrics) addSessionMetrics() {
	m.sessions = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "echtzeit_camera_sessions",
		Help: "Viewer sessions running now.",
	})
	m.sessionsStarted = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "echtzeit_camera_sessions_started_total",
		Help: "Viewer sessions started.",
	})
	m.sessionsEnded = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "echtzeit_camera_sessions_ended_total",
		Help: "Viewer sessions ended, by reason (viewer-left, peer-failed, setup-timeout, candidate-limit, ...).",
	}, []string{"reason"})
	m.sessionsDelayed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "echtzeit_camera_sessions_delayed_total",
		Help: "Session starts put off: the viewer's backoff after sessions that ended before connecting, or the camera-wide start rate.",
	}, []string{"reason"})
	m.sessionsRefused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "echtzeit_camera_sessions_refused_total",
		Help: "Viewers refused a session: the camera is at its session limit, or the viewer flooded a delayed start.",
	}, []string{"reason"})
	m.signalsSent = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "echtzeit_camera_signals_sent_total",
		Help: "Signals the camera sent to viewers through its pacer.",
	})
	m.signalsDropped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "echtzeit_camera_signals_dropped_total",
		Help: "Signals not sent: the viewer's session ended first, or the pacer's queue was full.",
	}, []string{"reason"})
	m.signalQueue = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "echtzeit_camera_signal_queue",
		Help: "Signals waiting for the pacer.",
	})
	for r := range endReasonNames {
		if r != EndUnknown {
			m.sessionsEnded.WithLabelValues(r.String())
		}
	}
	m.sessionsDelayed.WithLabelValues(delayViewerBackoff)
	m.sessionsDelayed.WithLabelValues(delayStartRate)
	m.sessionsRefused.WithLabelValues(refuseMaxSessions)
	m.sessionsRefused.WithLabelValues(refuseSignalFlood)
	m.signalsDropped.WithLabelValues(dropViewerGone)
	m.signalsDropped.WithLabelValues(dropQueueFull)
}

// Registry is the registry the metrics live on.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// FrameCaptured counts one frame taken from the source.
func (m *Metrics) FrameCaptured() {
	if m != nil {
		m.framesCaptured.Inc()
	}
}

// FrameEncoded counts one encoded frame that took d to encode (0: not encoded here).
func (m *Metrics) FrameEncoded(d time.Duration) {
	if m == nil {
		return
	}
	m.framesEncoded.Inc()
	if d > 0 {
		m.encodeSeconds.Observe(d.Seconds())
	}
}

// FramesDropped counts n frames that were skipped or lost.
func (m *Metrics) FramesDropped(n int) {
	if m != nil && n > 0 {
		m.framesDropped.Add(float64(n))
	}
}

// SampleSent counts a sample of size bytes written to a track; it is a frame
// unless it only carries parameter sets (picture false).
func (m *Metrics) SampleSent(bytes int, picture bool) {
	if m == nil {
		return
	}
	if picture {
		m.framesSent.Inc()
	}
	m.bytesSent.Add(float64(bytes))
}

// FrameWritten records that writing one frame to the track took d.
func (m *Metrics) FrameWritten(d time.Duration) {
	if m != nil {
		m.sendSeconds.Observe(d.Seconds())
	}
}

// SetFormat marks f from source as the format streamed now.
func (m *Metrics) SetFormat(f Format, source string) {
	if m == nil {
		return
	}
	labels := prometheus.Labels{
		"width": strconv.Itoa(f.Width), "height": strconv.Itoa(f.Height),
		"fps": strconv.Itoa(f.FPS), "codec": f.Codec, "source": source,
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lastFormat != nil {
		m.formatInfo.Delete(m.lastFormat)
	}
	m.formatInfo.With(labels).Set(1)
	m.lastFormat = labels
}

// SetPeerState marks s as the state of the current PeerConnection.
func (m *Metrics) SetPeerState(s webrtc.PeerConnectionState) {
	if m == nil {
		return
	}
	for _, st := range []webrtc.PeerConnectionState{
		webrtc.PeerConnectionStateNew, webrtc.PeerConnectionStateConnecting,
		webrtc.PeerConnectionStateConnected, webrtc.PeerConnectionStateDisconnected,
		webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed,
	} {
		v := 0.0
		if st == s {
			v = 1
		}
		m.peerState.WithLabelValues(st.String()).Set(v)
	}
}

// SessionStarted counts a new viewer session; n is the number running now.
func (m *Metrics) SessionStarted(n int) {
	if m != nil {
		m.sessionsStarted.Inc()
		m.sessions.Set(float64(n))
	}
}

// SessionEnded counts a session that ended for r; n is the number running now.
func (m *Metrics) SessionEnded(r EndReason, n int) {
	if m != nil {
		m.sessionsEnded.WithLabelValues(r.String()).Inc()
		m.sessions.Set(float64(n))
	}
}

// SessionDelayed counts a session start put off for reason.
func (m *Metrics) SessionDelayed(reason string) {
	if m != nil {
		m.sessionsDelayed.WithLabelValues(reason).Inc()
	}
}

// SessionRefused counts a viewer refused a session for reason.
func (m *Metrics) SessionRefused(reason string) {
	if m != nil {
		m.sessionsRefused.WithLabelValues(reason).Inc()
	}
}

// SignalSent counts one signal sent by the pacer.
func (m *Metrics) SignalSent() {
	if m != nil {
		m.signalsSent.Inc()
	}
}

// SignalDropped counts one signal not sent, for reason.
func (m *Metrics) SignalDropped(reason string) {
	if m != nil {
		m.signalsDropped.WithLabelValues(reason).Inc()
	}
}

// SetSignalQueue sets the number of signals waiting for the pacer.
func (m *Metrics) SetSignalQueue(n int) {
	if m != nil {
		m.signalQueue.Set(float64(n))
	}
}
