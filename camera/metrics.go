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
	bytesSent      prometheus.Counter
	formatInfo     *prometheus.GaugeVec
	peerState      *prometheus.GaugeVec
	adapt          adaptMetrics // metrics_bwe.go

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
	m.registry.MustRegister(
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
		m.framesCaptured, m.framesEncoded, m.framesSent, m.framesDropped,
		m.encodeSeconds, m.bytesSent, m.formatInfo, m.peerState,
	)
	m.adapt = newAdaptMetrics(m.registry)
	return m
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
