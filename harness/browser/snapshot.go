package browser

import (
	"context"
	"fmt"

	"echtzeit/harness/phase"
)

// Snapshot is the value of window.echtzeit.snapshot() in the interface page
// (DESIGN.md, "The page's window API"). Times are Unix milliseconds; nil
// pointers are null in the page (not reached / not available).
type Snapshot struct {
	Version int            `json:"version"`
	State   string         `json:"state"`
	ID      *string        `json:"id"`
	Room    *string        `json:"room"`
	Session int            `json:"session"`
	Error   *SnapshotError `json:"error"`
	// Phases are the setup timestamps of the current session, Unix ms
	// (performance.timeOrigin + performance.now()), Navigation included.
	Phases    phase.Times `json:"phases"`
	Inbound   *Inbound    `json:"inbound"`
	Outbound  *Outbound   `json:"outbound"`
	Derived   Derived     `json:"derived"`
	FrameCode FrameCode   `json:"frameCode"`
	// ICE is the page's ICE configuration and path; nil from a page that
	// predates it.
	ICE *ICE `json:"ice"`
	// Canvas counts the frames of the canvas test pattern the page sends
	// (send=canvas); nil otherwise.
	Canvas *CanvasStats `json:"canvas,omitempty"`
	// Quality holds the picture quality of sampled received frames
	// (quality=N); nil otherwise.
	Quality *Quality `json:"quality,omitempty"`
}

// ICE is the page's ICE configuration (GET /iceservers, ?relay=1) and what
// ICE found in the current session.
type ICE struct {
	RelayOnly bool     `json:"relayOnly"`
	Servers   []string `json:"servers"`
	// GatheringMs is the time from ICE gathering's start to its end, nil
	// until it ended.
	GatheringMs *float64 `json:"gatheringMs"`
	// CandidatePair is the selected pair (getStats), nil before there is one.
	CandidatePair *CandidatePair `json:"candidatePair"`
}

// CandidatePair is the selected candidate pair as the page's getStats sees it
// (W3C webrtc-stats RTCIceCandidateStats): the local and remote candidate
// types (host, srflx, prflx, relay), the local candidate's transport (udp,
// tcp) and, for a relay candidate, the transport to the TURN server.
type CandidatePair struct {
	LocalType     string `json:"localType"`
	RemoteType    string `json:"remoteType"`
	Protocol      string `json:"protocol"`
	RelayProtocol string `json:"relayProtocol,omitempty"`
}

// CanvasStats counts the canvas source's frames: drawn, and frame slots
// skipped because the page was late.
type CanvasStats struct {
	Frames  int `json:"frames"`
	Skipped int `json:"skipped"`
}

// Quality is the page's picture-quality sampler (quality.js): frames
// compared with their reference, frames sampled but not compared (no code,
// an unreadable pixel format, the worker busy), and the recent values (up to
// 300 each, oldest first; PSNR in dB).
type Quality struct {
	Frames  int       `json:"frames"`
	Skipped int       `json:"skipped"`
	PSNRDb  []float64 `json:"psnrDb"`
	SSIM    []float64 `json:"ssim"`
}

// SnapshotError is the last Error shown to the person.
type SnapshotError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Inbound holds the raw counters of the received video (inbound-rtp) and the
// selected candidate pair.
type Inbound struct {
	Timestamp             float64 `json:"timestamp"`
	FramesDecoded         float64 `json:"framesDecoded"`
	FramesReceived        float64 `json:"framesReceived"`
	FramesDropped         float64 `json:"framesDropped"`
	FrameWidth            float64 `json:"frameWidth"`
	FrameHeight           float64 `json:"frameHeight"`
	FramesPerSecond       float64 `json:"framesPerSecond"`
	BytesReceived         float64 `json:"bytesReceived"`
	PacketsReceived       float64 `json:"packetsReceived"`
	PacketsLost           float64 `json:"packetsLost"`
	Jitter                float64 `json:"jitter"`
	FreezeCount           float64 `json:"freezeCount"`
	TotalFreezesDuration  float64 `json:"totalFreezesDuration"`
	Codec                 string  `json:"codec"`
	RTTMs                 float64 `json:"rttMs"`
	DecoderImplementation string  `json:"decoderImplementation"`
	// Where the receiver's time goes (W3C webrtc-stats, RTCInboundRtpStreamStats):
	// sums in seconds over the frames counted beside them.
	TotalDecodeTime                    float64 `json:"totalDecodeTime"`
	TotalProcessingDelay               float64 `json:"totalProcessingDelay"`
	JitterBufferDelay                  float64 `json:"jitterBufferDelay"`
	JitterBufferTargetDelay            float64 `json:"jitterBufferTargetDelay"`
	JitterBufferMinimumDelay           float64 `json:"jitterBufferMinimumDelay"`
	JitterBufferEmittedCount           float64 `json:"jitterBufferEmittedCount"`
	TotalAssemblyTime                  float64 `json:"totalAssemblyTime"`
	FramesAssembledFromMultiplePackets float64 `json:"framesAssembledFromMultiplePackets"`
}

// Outbound holds the raw counters of the sent video (outbound-rtp).
type Outbound struct {
	Timestamp       float64 `json:"timestamp"`
	FramesEncoded   float64 `json:"framesEncoded"`
	FramesSent      float64 `json:"framesSent"`
	FrameWidth      float64 `json:"frameWidth"`
	FrameHeight     float64 `json:"frameHeight"`
	FramesPerSecond float64 `json:"framesPerSecond"`
	BytesSent       float64 `json:"bytesSent"`
	Codec           string  `json:"codec"`
	// Where the sender's time goes (RTCOutboundRtpStreamStats), seconds.
	TotalEncodeTime      float64 `json:"totalEncodeTime"`
	TotalPacketSendDelay float64 `json:"totalPacketSendDelay"`
	PacketsSent          float64 `json:"packetsSent"`
	// TargetBitrate is the encoder's target in bit/s as the sender's
	// congestion control sets it (outbound-rtp targetBitrate), 0 if unknown.
	TargetBitrate float64 `json:"targetBitrate"`
}

// Derived are the figures of the page's stats line.
type Derived struct {
	FPS           float64 `json:"fps"`
	BitrateKbps   float64 `json:"bitrateKbps"`
	PacketLossPct float64 `json:"packetLossPct"`
}

// FrameCode counts the synthetic frame codes the page decoded (DESIGN.md).
type FrameCode struct {
	Decoded    int       `json:"decoded"`
	Unreadable int       `json:"unreadable"`
	Repeated   int       `json:"repeated"`
	Skipped    int       `json:"skipped"`
	LastFrame  *int      `json:"lastFrame"`
	LatencyMs  []float64 `json:"latencyMs"`
}

// SnapshotJS is the expression that reads the snapshot.
const SnapshotJS = "window.echtzeit.snapshot()"

// Snapshot reads window.echtzeit.snapshot() with one evaluation.
func (p *Page) Snapshot(ctx context.Context) (Snapshot, error) {
	s, err := Eval[Snapshot](ctx, p, SnapshotJS)
	if err != nil {
		return Snapshot{}, fmt.Errorf("read snapshot: %w", err)
	}
	return s, nil
}
