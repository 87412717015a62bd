package contract

// Signaling server metrics (signaling/server/metrics.go; DESIGN.md, "Signaling
// server metrics").
const (
	MetricSignalingConnections = "echtzeit_signaling_connections"
	MetricSignalingRooms       = "echtzeit_signaling_rooms"
	MetricSignalingRelay       = "echtzeit_signaling_relay_latency_seconds"
)

// Camera metrics (camera/metrics.go; DESIGN.md, "Camera metrics").
const (
	MetricCameraCaptured   = "echtzeit_camera_frames_captured_total"
	MetricCameraEncoded    = "echtzeit_camera_frames_encoded_total"
	MetricCameraSent       = "echtzeit_camera_frames_sent_total"
	MetricCameraDropped    = "echtzeit_camera_frames_dropped_total"
	MetricCameraEncode     = "echtzeit_camera_encode_seconds"
	MetricCameraSend       = "echtzeit_camera_send_seconds"
	MetricCameraBytesSent  = "echtzeit_camera_bytes_sent_total"
	MetricCameraFormatInfo = "echtzeit_camera_format_info"
	MetricCameraPeerState  = "echtzeit_camera_peer_state"
)

// MetricCameraTargetBitrate is the bitrate (bit/s, a gauge) the camera asks
// of its encoder from its bandwidth estimate (DESIGN.md "The camera adapts").
// It exists once a viewer's stream has one: not for a source that cannot
// adapt (a clip), nor with --congestion-control off.
const MetricCameraTargetBitrate = "echtzeit_camera_target_bitrate_bps"

// SignalingMetrics and CameraMetrics list the names above, for the tests of
// the packages that export them.
func SignalingMetrics() []string {
	return []string{MetricSignalingConnections, MetricSignalingRooms, MetricSignalingRelay}
}

// CameraMetrics lists the camera's metric names.
func CameraMetrics() []string {
	return []string{
		MetricCameraCaptured, MetricCameraEncoded, MetricCameraSent, MetricCameraDropped,
		MetricCameraEncode, MetricCameraSend, MetricCameraBytesSent, MetricCameraFormatInfo, MetricCameraPeerState,
		MetricCameraTargetBitrate,
	}
}

// TURN server metrics (signaling/turn/metrics.go, on the signaling server's
// /metrics when it runs the embedded TURN server).
const (
	MetricTURNAllocations  = "echtzeit_turn_allocations"
	MetricTURNRelayedBytes = "echtzeit_turn_relayed_bytes_total"
	// TURNToPeer and TURNFromPeer are the direction label values of
	// MetricTURNRelayedBytes.
	TURNToPeer   = "to-peer"
	TURNFromPeer = "from-peer"
)

// TURNMetrics lists the TURN metric names.
func TURNMetrics() []string { return []string{MetricTURNAllocations, MetricTURNRelayedBytes} }

// Series is the text form of a series with one label, as /metrics writes it:
// name{label="value"}.
func Series(name, label, value string) string { return name + "{" + label + `="` + value + `"}` }
