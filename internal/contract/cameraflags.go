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

// CameraFlagCongestionControl ("gcc" or "off") is passed to the echtzeit
// camera only, by a block with a congestion-control axis; it is not in
// CameraFlags, the flags every sender program takes.
const CameraFlagCongestionControl = "congestion-control"

// CameraFlags lists the flags above, for cmd/camera's test.
func CameraFlags() []string {
	return []string{
		CameraFlagSignaling, CameraFlagTLSFingerprint, CameraFlagRoom, CameraFlagSource,
		CameraFlagWidth, CameraFlagHeight, CameraFlagFPS, CameraFlagCodec, CameraFlagBitrate,
		CameraFlagMetricsAddr, CameraFlagICELoopback, CameraFlagLogLevel,
	}
}

// Flag returns "--name", as it goes on a command line.
func Flag(name string) string { return "--" + name }
