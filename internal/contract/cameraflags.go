package contract

// Flags of bin/camera that the harness passes when it starts a camera
// (cmd/camera; DESIGN.md, "Binaries and their flags"). Each is the flag's name
// without dashes.
const (
	CameraFlagSignaling      = "signaling"
	CameraFlagTLSFingerprint = "tls-fingerprint"
	CameraFlagRoom           = "room"
	CameraFlagSource         = "source"
	CameraFlagWidth          = "width"
	CameraFlagHeight         = "height"
	CameraFlagFPS            = "fps"
	CameraFlagCodec          = "codec"
	CameraFlagBitrate        = "bitrate"
	CameraFlagMetricsAddr    = "metrics-addr"
	CameraFlagICELoopback    = "ice-loopback"
	CameraFlagLogLevel       = "log-level"
)

// Flags that only the echtzeit camera takes (not the GStreamer sender): the
// harness passes them for the paths axis (issue 11) and the congestion-control
// axis ("gcc" or "off", issue 9).
const (
	CameraFlagICEServers        = "ice-servers"
	CameraFlagICERelayOnly      = "ice-relay-only"
	CameraFlagCongestionControl = "congestion-control"
)

// CameraFlags lists the flags above, for cmd/camera's test.
func CameraFlags() []string {
	return []string{
		CameraFlagSignaling, CameraFlagTLSFingerprint, CameraFlagRoom, CameraFlagSource,
		CameraFlagWidth, CameraFlagHeight, CameraFlagFPS, CameraFlagCodec, CameraFlagBitrate,
		CameraFlagMetricsAddr, CameraFlagICELoopback, CameraFlagLogLevel,
	}
}

// EchtzeitCameraFlags lists the flags only the echtzeit camera takes.
func EchtzeitCameraFlags() []string {
	return []string{CameraFlagICEServers, CameraFlagICERelayOnly, CameraFlagCongestionControl}
}

// Flag returns "--name", as it goes on a command line.
func Flag(name string) string { return "--" + name }
