package camera

import (
	"github.com/prometheus/client_golang/prometheus"
)

// adaptMetrics are the metrics of bandwidth estimation and adaptation
// (DESIGN.md "Camera metrics"). The gauges describe the session that updated
// them last: with one viewer, that viewer's stream. The bitrate gauges exist
// only once a session has set them (a camera without a viewer, or with
// congestion control off, has none; a source that cannot adapt never has a
// target).
type adaptMetrics struct {
	target      *prometheus.GaugeVec
	estimate    *prometheus.GaugeVec
	encoderRate *prometheus.GaugeVec
	configured  *prometheus.GaugeVec
	adapts      *prometheus.GaugeVec
	width       prometheus.Gauge
	height      prometheus.Gauge
	fps         prometheus.Gauge
	level       prometheus.Gauge
	mode        *prometheus.GaugeVec
	restarts    *prometheus.CounterVec
	nacks       prometheus.Counter
	nacked      prometheus.Counter
	rtxPackets  prometheus.Counter
	rtxBytes    prometheus.Counter
}

func newAdaptMetrics(reg prometheus.Registerer) adaptMetrics {
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	}
	optional := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, nil)
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	}
	m := adaptMetrics{
		target:      optional("echtzeit_camera_target_bitrate_bps", "Bitrate the camera asks of its encoder (bit/s), from the bandwidth estimate; absent for a source that cannot adapt."),
		estimate:    optional("echtzeit_camera_estimated_bandwidth_bps", "Send-side bandwidth estimate (GCC over transport-wide congestion control feedback), bit/s."),
		encoderRate: optional("echtzeit_camera_encoder_bitrate_bps", "Bitrate the encoder (or a pass-through source) delivered over the last second, bit/s."),
		configured:  optional("echtzeit_camera_encoder_configured_bitrate_bps", "Bitrate the encoder is configured with now (set at its start and by every change it accepted; rpicam-vid's -b), bit/s; absent for a source without an encoder."),
		adapts: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "echtzeit_camera_source_adapts",
			Help: "Per source (feed): 1 when it can follow the bandwidth estimate (software encoder live, rpicam by restarts), 0 when it cannot (a clip plays at its own bitrate).",
		}, []string{"source", "mode"}),
		width:  gauge("echtzeit_camera_stream_width", "Width of the picture streamed now (after degradation), pixels."),
		height: gauge("echtzeit_camera_stream_height", "Height of the picture streamed now (after degradation), pixels."),
		fps:    gauge("echtzeit_camera_stream_fps", "Frame rate streamed now (after degradation)."),
		level:  gauge("echtzeit_camera_degradation_level", "Step of the degradation ladder in use; 0 is the format the viewer asked for."),
		mode: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "echtzeit_camera_adaptation_info",
			Help: "1 for how the source follows the estimate: live (encoder bitrate, size and rate), restart (bitrate at start, restarted on large moves) or none.",
		}, []string{"mode"}),
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "echtzeit_camera_adaptation_restarts_total",
			Help: "Stream restarts for adaptation: reason degrade, upgrade or bitrate.",
		}, []string{"reason"}),
		nacks:      counter("echtzeit_camera_nacks_total", "RTCP NACK messages received (RFC 4585 generic NACK)."),
		nacked:     counter("echtzeit_camera_nacked_packets_total", "Packets the viewer's NACKs asked for."),
		rtxPackets: counter("echtzeit_camera_retransmitted_packets_total", "Packets sent again after a NACK (on the RTX SSRC when negotiated)."),
		rtxBytes:   counter("echtzeit_camera_retransmitted_bytes_total", "RTP bytes (header and payload) sent again after a NACK."),
	}
	reg.MustRegister(m.target, m.estimate, m.encoderRate, m.configured, m.adapts, m.width, m.height, m.fps, m.level, m.mode,
		m.restarts, m.nacks, m.nacked, m.rtxPackets, m.rtxBytes)
	return m
}

// SetEstimate records the bandwidth estimate (bit/s).
func (m *Metrics) SetEstimate(bps int) {
	if m != nil {
		m.adapt.estimate.WithLabelValues().Set(float64(bps))
	}
}

// SetTargetBitrate records the encoder's target (bit/s).
func (m *Metrics) SetTargetBitrate(bps int) {
	if m != nil {
		m.adapt.target.WithLabelValues().Set(float64(bps))
	}
}

// SetEncoderBitrate records the bitrate the source delivered (bit/s).
func (m *Metrics) SetEncoderBitrate(bps float64) {
	if m != nil {
		m.adapt.encoderRate.WithLabelValues().Set(bps)
	}
}

// SetEncoderConfiguredBitrate records the bitrate the encoder runs with now
// (bit/s): what it was opened with, or the last change it accepted.
func (m *Metrics) SetEncoderConfiguredBitrate(bps int) {
	if m != nil {
		m.adapt.configured.WithLabelValues().Set(float64(bps))
	}
}

// SetSourceAdapts records whether the source named source can follow the
// estimate: mode is AdaptationOf the source (none: it cannot), whatever
// --congestion-control says (adaptation_info says what a session does).
func (m *Metrics) SetSourceAdapts(source string, mode Adaptation) {
	if m == nil {
		return
	}
	v := 1.0
	if mode == AdaptationNone {
		v = 0
	}
	m.adapt.adapts.WithLabelValues(source, mode.String()).Set(v)
}

// SetStreaming records the size and frame rate in use and the step of the
// degradation ladder.
func (m *Metrics) SetStreaming(f Format, level int) {
	if m == nil {
		return
	}
	m.adapt.width.Set(float64(f.Width))
	m.adapt.height.Set(float64(f.Height))
	m.adapt.fps.Set(float64(f.FPS))
	m.adapt.level.Set(float64(level))
}

// SetAdaptation records how the source follows the estimate.
func (m *Metrics) SetAdaptation(a Adaptation) {
	if m == nil {
		return
	}
	for _, x := range []Adaptation{AdaptationNone, AdaptationRestart, AdaptationLive} {
		v := 0.0
		if x == a {
			v = 1
		}
		m.adapt.mode.WithLabelValues(x.String()).Set(v)
	}
}

// AdaptationRestart counts a stream restart for adaptation.
func (m *Metrics) AdaptationRestart(reason string) {
	if m != nil {
		m.adapt.restarts.WithLabelValues(reason).Inc()
	}
}

// NACKReceived counts one NACK message asking for packets packets.
func (m *Metrics) NACKReceived(packets int) {
	if m == nil {
		return
	}
	m.adapt.nacks.Inc()
	m.adapt.nacked.Add(float64(packets))
}

// Retransmitted counts one packet of size bytes sent again.
func (m *Metrics) Retransmitted(bytes int) {
	if m == nil {
		return
	}
	m.adapt.rtxPackets.Inc()
	m.adapt.rtxBytes.Add(float64(bytes))
}
