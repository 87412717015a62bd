package gstreamer

import (
	"image"
	"time"

	"github.com/pion/webrtc/v4"
)

// peer is what a session needs from GStreamer: one pipeline with a webrtcbin
// (binding_cgo.go). All methods are called from the session's goroutine; the
// pipeline's events arrive through the function given to newPeer.
type peer interface {
	Start() error
	// CreateSDP creates an offer (or answer), sets it as local description and
	// returns its text.
	CreateSDP(offer bool) (string, error)
	SetRemote(offer bool, sdp string) error
	AddCandidate(mline uint16, candidate string)
	// SetFormat sets the raw video caps of the appsrc.
	SetFormat(width, height, fps int) error
	PushI420(img *image.YCbCr) error
	// SetBitrate sets an integer property of the encoder (named enc).
	SetBitrate(property string, value int) error
	ForceKeyFrame()
	// Drain returns the counters since the last call.
	Drain() counters
	// Stop sets the pipeline to NULL; a PushI420 blocked in it returns.
	Stop()
	// Close stops and frees the pipeline; no other call may be running.
	Close()
}

// counters are what the pipeline's pad probes counted since the last Drain.
type counters struct {
	encoded     int64           // buffers out of the encoder
	encodeTimes []time.Duration // encoder in → out per frame, where matched
	sent        int64           // frames (RTP marker bits) handed to webrtcbin
	bytes       int64           // RTP payload bytes handed to webrtcbin
}

// Events posted by GStreamer's threads.
type (
	evNegotiationNeeded struct{}
	evLocalCandidate    struct {
		mline     uint16
		candidate string
	}
	evGatheringComplete struct{}
	evConnectionState   struct{ state webrtc.PeerConnectionState }
	evBus               struct {
		kind busKind
		text string
	}
)

// busKind is the kind of a bus message forwarded to Go (ezgst.h EZ_BUS_*).
type busKind int

const (
	busUnknown busKind = iota
	busError
	busWarning
	busEOS
)

func (k busKind) String() string {
	switch k {
	case busError:
		return "error"
	case busWarning:
		return "warning"
	case busEOS:
		return "eos"
	}
	return "unknown"
}
