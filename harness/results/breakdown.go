package results

// Breakdown holds the figures that take a media trial's numbers apart: the
// setup on the page's own clock beside the harness's, the parts of the
// end-to-end latency, and the picture quality. A figure the trial could not
// have is absent (nil), not zero.
type Breakdown struct {
	// SetupPageMs is the time from the viewer page's own navigation start
	// (performance.timeOrigin) to its first decoded frame, on the page's
	// clock. SetupMs, beside it, is on the harness's clock: from the moment
	// the harness asked Chromium to navigate.
	SetupPageMs *float64 `json:"setupPageMs,omitempty"`
	// NavigationDelayMs is the harness's part of SetupMs: from the
	// harness's navigation request to the page's timeOrigin (CDP round
	// trip, Chromium starting the navigation). SetupMs ≈ NavigationDelayMs +
	// SetupPageMs.
	NavigationDelayMs *float64 `json:"navigationDelayMs,omitempty"`
	// SettleMs is how long the first viewer's tab was open before it
	// navigated (the scenario's settle), SettleBusyCores how busy the
	// machine was meanwhile: cores, all its processes.
	SettleMs        *float64 `json:"settleMs,omitempty"`
	SettleBusyCores *float64 `json:"settleBusyCores,omitempty"`

	// LatencyMeanMs is the mean end-to-end latency of the frame codes read
	// in the measurement window (the parts in Delays are means too).
	LatencyMeanMs *float64 `json:"latencyMeanMs,omitempty"`
	// Delays are the parts of the latency over the measurement window.
	Delays *Delays `json:"delays,omitempty"`

	// PSNRDb is the mean PSNR of the luma of the sampled received frames
	// against the frames the sender drew (frame-code area left out),
	// PSNRP5Db its 5th percentile (the worst frames), SSIM the mean SSIM
	// (8×8 windows); QualityFrames the number of frames compared.
	PSNRDb        *float64 `json:"psnrDb,omitempty"`
	PSNRP5Db      *float64 `json:"psnrP5Db,omitempty"`
	SSIM          *float64 `json:"ssim,omitempty"`
	QualityFrames int      `json:"qualityFrames,omitempty"`
	// PSNRDbCI and SSIMCI are the 95 % intervals [lo, hi] of those means
	// over the compared frames (moving-block bootstrap, harness/stats), for
	// a report of one repeat; absent with fewer than two frames.
	PSNRDbCI *[2]float64 `json:"psnrDbCi,omitempty"`
	SSIMCI   *[2]float64 `json:"ssimCi,omitempty"`
}

// Delays are the mean milliseconds per frame spent in each part of the path
// from the sender's capture to the receiver's display, over a trial's
// measurement window (W3C webrtc-stats and the camera's /metrics). A part
// that could not be read is nil.
type Delays struct {
	// EncodeMs: one frame's encoding (the camera's
	// echtzeit_camera_encode_seconds, or the sender page's
	// totalEncodeTime / framesEncoded).
	EncodeMs *float64 `json:"encodeMs,omitempty"`
	// SendMs: from the encoder's output to the packets on the wire (the
	// camera's echtzeit_camera_send_seconds: packetisation, SRTP, send; the
	// sender page's totalPacketSendDelay / packetsSent: its pacer).
	SendMs *float64 `json:"sendMs,omitempty"`
	// NetworkMs: half the round-trip time of the selected candidate pair.
	NetworkMs *float64 `json:"networkMs,omitempty"`
	// AssemblyMs: first to last packet of a frame that came in several
	// (totalAssemblyTime / framesAssembledFromMultiplePackets); part of the
	// jitter buffer's time.
	AssemblyMs *float64 `json:"assemblyMs,omitempty"`
	// JitterBufferMs: a frame's first packet's arrival to the frame leaving
	// the jitter buffer for the decoder (jitterBufferDelay /
	// jitterBufferEmittedCount); JitterBufferTargetMs the delay the buffer
	// aimed at, JitterBufferMinimumMs the least it could have.
	JitterBufferMs        *float64 `json:"jitterBufferMs,omitempty"`
	JitterBufferTargetMs  *float64 `json:"jitterBufferTargetMs,omitempty"`
	JitterBufferMinimumMs *float64 `json:"jitterBufferMinimumMs,omitempty"`
	// DecodeMs: one frame's decoding (totalDecodeTime / framesDecoded).
	DecodeMs *float64 `json:"decodeMs,omitempty"`
	// ProcessingMs: first packet's arrival to the decoded frame
	// (totalProcessingDelay / framesDecoded): jitter buffer plus decoding.
	ProcessingMs *float64 `json:"processingMs,omitempty"`
}
