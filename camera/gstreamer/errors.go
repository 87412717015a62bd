package gstreamer

import "errors"

// Errors of the GStreamer sender.
var (
	// ErrNotCompiled is returned by New in builds without the GStreamer binding
	// (CGO_ENABLED=0 or -tags nogst).
	ErrNotCompiled = errors.New("compiled without GStreamer (needs cgo and the GStreamer -dev packages; built with CGO_ENABLED=0 or -tags nogst)")
	// ErrGStreamer means GStreamer itself could not be initialised.
	ErrGStreamer = errors.New("gstreamer")
	// ErrPipeline wraps a pipeline that could not be built, started or fed, and
	// errors posted on its bus.
	ErrPipeline = errors.New("gstreamer pipeline")
	// ErrNegotiation wraps a failed create-offer, create-answer or
	// set-*-description of webrtcbin.
	ErrNegotiation = errors.New("webrtcbin negotiation")
	// ErrFlushing is returned when a frame is pushed into a pipeline that is
	// stopping.
	ErrFlushing = errors.New("pipeline is flushing")
	// ErrPeerFailed means webrtcbin's connection state became failed or closed.
	ErrPeerFailed = errors.New("peer connection failed")
	// ErrViewerLeft means the viewer left the room (Room/Leave).
	ErrViewerLeft = errors.New("viewer left")
	// ErrNoCodec means the viewer's offer has no payload type this sender can send.
	ErrNoCodec = errors.New("no codec in common with the offer")
)
