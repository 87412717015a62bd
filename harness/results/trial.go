package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"echtzeit/harness/phase"
	"echtzeit/internal/contract"
)

// Kind is what a trial measures (SPEC §5, §6).
type Kind string

// Trial kinds.
const (
	// KindCameraToBrowser: the camera program (started by the harness, or a remote
	// one) streams to a Chromium viewer page.
	KindCameraToBrowser Kind = "camera-to-browser"
	// KindBrowserToBrowser: a Chromium sender page with the fake camera streams to
	// a Chromium viewer page.
	KindBrowserToBrowser Kind = "browser-to-browser"
	// KindSignalingLoad: N signaling clients in N/2 rooms exchange signals through
	// the signaling server process.
	KindSignalingLoad Kind = "signaling-load"
)

// Kinds lists every trial kind in a stable order.
var Kinds = []Kind{KindCameraToBrowser, KindBrowserToBrowser, KindSignalingLoad}

// ParseKind returns the Kind named s.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown trial kind %q (want camera-to-browser, browser-to-browser or signaling-load)", s)
}

// String returns the kind's name.
func (k Kind) String() string { return string(k) }

// Senders of the media kinds (Params.Sender).
const (
	SenderEchtzeit  = "echtzeit"  // the camera program (bin/camera, or a remote one)
	SenderChromium  = "chromium"  // a Chromium page sharing its (fake) camera
	SenderGStreamer = "gstreamer" // the thesis's webrtcbin sender (bin/gstsender)
)

// Sources of the Chromium sender (Params.Source of browser-to-browser trials).
const (
	SourceFake   = "fake"   // Chromium's fake camera (--use-fake-device-for-media-stream)
	SourceCanvas = "canvas" // the page's canvas test pattern with the frame code (send=canvas)
)

// Names of the processes measured per trial (keys of Trial.Processes and values of
// Sample.Process).
const (
	ProcessCamera    = "camera"
	ProcessGStreamer = "gstsender" // bin/gstsender, the GStreamer sender
	ProcessSignaling = "signaling"
	ProcessBrowser   = "browser" // Chromium summed over its whole process tree
	ProcessHarness   = "harness"
	// ProcessViewer is the Sample.Process of rows that carry the viewer page's
	// stats (fps, resolution, bitrate, latency) rather than a process's CPU.
	ProcessViewer = "viewer"
	// ProcessLoad is the Sample.Process of signaling-load progress rows.
	ProcessLoad = "load"
	// ProcessLoadgen is the signaling load generator (harness loadgen), a
	// child process of the harness.
	ProcessLoadgen = "loadgen"
	// ProcessForwarder is the link forwarder of an emulated network
	// (package forwarder), measured like the other processes.
	ProcessForwarder = "forwarder"
	// ProcessSenderBrowser is the sender page's Chromium when it is not the
	// viewers' (an emulated network starts one per side).
	ProcessSenderBrowser = "sender-browser"
	// ProcessLink is the Sample.Process of rows that carry an emulated
	// network's link: the media path's capacity (LinkKbps), what the
	// sender's uplink carried (BitrateKbps) and lost or dropped
	// (PacketLossPct) over the last second.
	ProcessLink = "link"
	// ProcessSender is the Sample.Process of rows that carry the sender's own
	// counters once a second: encoded fps (FPS), sent bitrate (BitrateKbps)
	// and the target bitrate of its congestion control (TargetKbps) where
	// the sender reports one.
	ProcessSender = "sender"
)

// ViewerProcess is the Sample.Process of viewer i's rows (from 0):
// ProcessViewer for the first, "viewer-2", "viewer-3", … for the others.
func ViewerProcess(i int) string {
	if i == 0 {
		return ProcessViewer
	}
	return fmt.Sprintf("%s-%d", ProcessViewer, i+1)
}

// Params are a trial's coordinates in the scenario's sweep.
type Params struct {
	// Width and Height are the requested resolution; Resolution is "WxH".
	Width      int    `json:"width,omitempty"`
	Height     int    `json:"height,omitempty"`
	Resolution string `json:"resolution,omitempty"`
	// Codec is "vp8" or "h264" (empty for signaling-load).
	Codec contract.Codec `json:"codec,omitempty"`
	// Sender is what sent the video (media kinds): SenderEchtzeit (the camera
	// program, or a remote camera), SenderGStreamer (the GStreamer webrtcbin
	// sender) or SenderChromium (a Chromium page).
	Sender string `json:"sender,omitempty"`
	// CPU is the sender process's CPU budget as the scenario names it ("host",
	// "pi4", "0.5"; absent without a cpu axis) and CPUCores its quota in cores
	// of this machine (absent for "host": no quota).
	CPU      string   `json:"cpu,omitempty"`
	CPUCores *float64 `json:"cpuCores,omitempty"`
	// Source is the camera source (synthetic, v4l2, rpicam, file), or for a
	// Chromium sender SourceFake (its fake camera) or SourceCanvas (the
	// page's test pattern with the frame code).
	Source string `json:"source,omitempty"`
	// FPS is the requested frame rate.
	FPS int `json:"fps,omitempty"`
	// Participants is the number of signaling clients (signaling-load) or of peers
	// in the room (2 for the media kinds).
	Participants int `json:"participants,omitempty"`
	// SignalRate is the signals per second each load client sends (signaling-load).
	SignalRate float64 `json:"signalRate,omitempty"`
	// LoadMode is the signaling-load model: idle, steady or session
	// (harness/loadgen); Nodes the signaling processes sharing the rooms
	// (a cluster when more than one; absent for one).
	LoadMode string `json:"loadMode,omitempty"`
	Nodes    int    `json:"nodes,omitempty"`
	// Viewers is the number of viewer pages in the room (media kinds; all in
	// one Chromium, a page each).
	Viewers int `json:"viewers,omitempty"`
	// Path is the NAT/relay path between the sides (harness/nat: direct,
	// cone, symmetric, symmetric-both, udp-blocked, relay-forced); absent
	// when the block has no paths axis.
	Path string `json:"path,omitempty"`
	// Chart says whether the pages showed the live chart under the video
	// (media kinds; false: the page was opened with chart=0).
	Chart *bool `json:"chart,omitempty"`
	// Repeat numbers the repetitions of the same parameters, from 1.
	Repeat int `json:"repeat"`
	// Network and ViewerNetwork name the network profiles of the sender's and
	// the viewers' access links (package link); absent when the trial ran
	// without an emulated network.
	Network       string `json:"network,omitempty"`
	ViewerNetwork string `json:"viewerNetwork,omitempty"`
	// CongestionControl is the camera's --congestion-control ("gcc" or
	// "off") when the block swept it; absent otherwise (the camera's
	// default, gcc).
	CongestionControl string `json:"congestionControl,omitempty"`
}

// ProcessStats is the CPU and memory of one process (tree) over a trial's
// measurement window.
type ProcessStats struct {
	// CPUPct is the mean CPU over the measurement window, 100 = one core.
	CPUPct float64 `json:"cpuPct"`
	// CPUPeakPct is the highest one-interval CPU value seen.
	CPUPeakPct float64 `json:"cpuPeakPct"`
	// PeakRSSBytes is the highest resident set size seen (summed over the tree).
	PeakRSSBytes int64 `json:"peakRssBytes"`
	// Samples is the number of probe readings behind the figures.
	Samples int `json:"samples"`
	// Source says where the figures come from: "proc" (/proc of this machine) or
	// "metrics" (a remote Prometheus /metrics endpoint).
	Source string `json:"source,omitempty"`
}

// SenderStats are the sender's view of a media trial's measurement window: with
// the receiver's figures they tell whether frames were lost to capture and
// encoding or on the way.
type SenderStats struct {
	// Source is "camera-metrics" (the camera's Prometheus counters) or
	// "page" (the Chromium sender page's outbound-rtp stats).
	Source string `json:"source"`
	// FramesCaptured, FramesEncoded, FramesSent and FramesDropped count over the
	// window (the page reports only encoded and sent).
	FramesCaptured int64 `json:"framesCaptured,omitempty"`
	FramesEncoded  int64 `json:"framesEncoded"`
	FramesSent     int64 `json:"framesSent"`
	FramesDropped  int64 `json:"framesDropped,omitempty"`
	// EncodedFPS is FramesEncoded per second of the window.
	EncodedFPS float64 `json:"encodedFps"`
	// EncodeP50Ms and EncodeP95Ms: time to encode one frame (camera only,
	// interpolated in the echtzeit_camera_encode_seconds buckets).
	EncodeP50Ms *float64 `json:"encodeP50Ms,omitempty"`
	EncodeP95Ms *float64 `json:"encodeP95Ms,omitempty"`
	// EncodeMeanMs and SendMeanMs: mean time to encode one frame, and to
	// hand it to the network (camera: echtzeit_camera_send_seconds; page:
	// totalPacketSendDelay per packet).
	EncodeMeanMs *float64 `json:"encodeMeanMs,omitempty"`
	SendMeanMs   *float64 `json:"sendMeanMs,omitempty"`
	// Width and Height are the encoded frame size (page only).
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// BitrateKbps is what the sender sent over the window (its bytes sent);
	// TargetBitrateKbps the mean target bitrate of its congestion control,
	// where it reports one (Chromium's outbound-rtp targetBitrate, the
	// camera's echtzeit_camera_target_bitrate_bps).
	BitrateKbps       *float64 `json:"bitrateKbps,omitempty"`
	TargetBitrateKbps *float64 `json:"targetBitrateKbps,omitempty"`
}

// BudgetStats are the cgroup figures of a sender under a CPU quota, from the
// sender's start to its stop (cpu.stat).
type BudgetStats struct {
	// Cgroup is the hierarchy version ("v1" or "v2").
	Cgroup string `json:"cgroup"`
	// Periods is the number of CFS periods (100 ms) in which the group ran,
	// Throttled those in which it used up its quota, ThrottledMs the time its
	// threads were held back.
	Periods     int64   `json:"periods"`
	Throttled   int64   `json:"throttled"`
	ThrottledMs float64 `json:"throttledMs"`
}

// SignalingLoad are the figures of a signaling-load trial.
type SignalingLoad struct {
	// Connections is the number of clients that completed Hello and Joined;
	// ConnectFailures the number that did not.
	Connections     int `json:"connections"`
	ConnectFailures int `json:"connectFailures"`
	Rooms           int `json:"rooms"`
	// MessagesSent counts Signal messages sent; MessagesDelivered the Room/Signal
	// messages received by their addressee; MessagesLost = sent − delivered for
	// messages whose addressee was connected throughout.
	MessagesSent      int64 `json:"messagesSent"`
	MessagesDelivered int64 `json:"messagesDelivered"`
	MessagesLost      int64 `json:"messagesLost"`
	// MessagesPerSecond is the delivered rate over the measurement window.
	MessagesPerSecond float64 `json:"messagesPerSecond"`
	// SignalBytes is the size of each signal's payload.
	SignalBytes int `json:"signalBytes"`
	// RelayLatencyP50Ms and RelayLatencyP95Ms: from Send to the addressee's
	// Receive, through the server.
	RelayLatencyP50Ms float64 `json:"relayLatencyP50Ms"`
	RelayLatencyP95Ms float64 `json:"relayLatencyP95Ms"`
	// ConnectMs is how long it took until every client had joined.
	ConnectMs float64 `json:"connectMs"`
	// SentPerSecond is the send rate achieved over the measurement window; the
	// offered load is Params.Participants × Params.SignalRate (a starved load
	// generator sends less).
	SentPerSecond float64 `json:"sentPerSecond,omitempty"`
	// ServerRelayP50Ms and ServerRelayP95Ms are the time a signal spends inside
	// the server (its echtzeit_signaling_relay_latency_seconds histogram from the
	// first signal sent to the last one drained, warm-up included, interpolated
	// in its buckets); nil when the server's /metrics could not be read.
	ServerRelayP50Ms *float64 `json:"serverRelayP50Ms,omitempty"`
	ServerRelayP95Ms *float64 `json:"serverRelayP95Ms,omitempty"`

	// Aligned: the steady senders sent at the same instants (one burst per
	// interval) instead of each at its own phase.
	Aligned bool `json:"aligned,omitempty"`
	// Phases are the load generator's phases (connect, settle, idle, steady,
	// drain; session: setup, idle, window) with the server's CPU and RSS in
	// each, read from /proc at the phase boundaries (one node only).
	Phases []LoadPhase `json:"phases,omitempty"`
	// ServerBaselineRSSBytes is the server's RSS before the first connection
	// (summed over the nodes); RSSPerConnBytes is the growth until the end of
	// the measured phase per connection, CPUPerConnPct the server's CPU in the
	// measured window per connection.
	ServerBaselineRSSBytes *int64   `json:"serverBaselineRssBytes,omitempty"`
	RSSPerConnBytes        *float64 `json:"rssPerConnBytes,omitempty"`
	CPUPerConnPct          *float64 `json:"cpuPerConnPct,omitempty"`
	// SessionsDone, SetupP50Ms and SetupP95Ms (session model): pairs that
	// exchanged offer, answer and candidates, and the time from a pair's
	// first dial until both had them.
	SessionsDone int      `json:"sessionsDone,omitempty"`
	SetupP50Ms   *float64 `json:"setupP50Ms,omitempty"`
	SetupP95Ms   *float64 `json:"setupP95Ms,omitempty"`
	// LoadgenHost is where the load generator ran, LoadgenCPUPct its own CPU
	// over its whole run (it is a process of its own, never counted as the
	// server's), LoadgenPeakRSSBytes its peak RSS.
	LoadgenHost         string  `json:"loadgenHost,omitempty"`
	LoadgenCPUPct       float64 `json:"loadgenCpuPct,omitempty"`
	LoadgenPeakRSSBytes int64   `json:"loadgenPeakRssBytes,omitempty"`
}

// Signaling-load modes (Params.LoadMode; harness/loadgen).
const (
	LoadIdle    = "idle"
	LoadSteady  = "steady"
	LoadSession = "session"
)

// MeasuredLoadPhase is the load generator's phase that a mode's figures come
// from: the idle or steady phase after the settle, or the session model's
// whole window, its setup included.
func MeasuredLoadPhase(mode string) string {
	switch mode {
	case LoadIdle:
		return "idle"
	case LoadSession:
		return "window"
	}
	return "steady"
}

// Mode is the trial's load mode; trials recorded before modes existed are
// steady, or idle when they sent no signals.
func (p Params) Mode() string {
	switch {
	case p.LoadMode != "":
		return p.LoadMode
	case p.SignalRate == 0:
		return LoadIdle
	}
	return LoadSteady
}

// Measured returns the measured phase of a trial in mode (MeasuredLoadPhase).
func (s *SignalingLoad) Measured(mode string) (LoadPhase, bool) {
	if s == nil {
		return LoadPhase{}, false
	}
	name := MeasuredLoadPhase(mode)
	for _, p := range s.Phases {
		if p.Name == name {
			return p, true
		}
	}
	return LoadPhase{}, false
}

// LoadPhase is one phase of a signaling-load trial's load generator.
type LoadPhase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	// ServerCPUPct is the server's CPU over the phase (100 = one core),
	// ServerRSSBytes its RSS at the phase's end; absent when not read.
	ServerCPUPct   *float64 `json:"serverCpuPct,omitempty"`
	ServerRSSBytes *int64   `json:"serverRssBytes,omitempty"`
	// LoadgenCPUPct is the load generator's own CPU over the phase.
	LoadgenCPUPct float64 `json:"loadgenCpuPct"`
}

// Trial is the outcome of one trial: one line of trials.jsonl.
type Trial struct {
	// Index numbers the trials of a run from 0 in the order they ran; Samples
	// refer to it.
	Index int `json:"index"`
	// Name is a readable label, e.g. "camera-to-browser 640x360 vp8 synthetic 30fps #1".
	Name   string `json:"name"`
	Kind   Kind   `json:"kind"`
	Params Params `json:"params"`
	// Remote is true when the sender was a camera the harness did not start.
	Remote bool `json:"remote,omitempty"`

	// OK is true when the trial measured what it was set up to measure.
	OK bool `json:"ok"`
	// FailReason says why not, e.g. "camera exited: exit status 2" or "timeout
	// waiting for the first frame after 20s".
	FailReason string `json:"failReason,omitempty"`
	// FailedComponent names the process that failed (ProcessCamera, ...), if any.
	FailedComponent string `json:"failedComponent,omitempty"`
	// StderrTail is the last lines of the failed component's stderr.
	StderrTail string `json:"stderrTail,omitempty"`

	// Measured is what the trial measured (also when it failed), flattened
	// into the trial's JSON object.
	Measured

	// WarmupS and MeasureS are the planned warm-up and measurement durations.
	WarmupS  float64 `json:"warmupS"`
	MeasureS float64 `json:"measureS"`
	// Start and End bound the whole trial, setup included.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Measured are the figures a trial measured: those of the viewer, the sender
// and the processes of a media trial, or those of a signaling-load trial.
type Measured struct {
	// Phases and SetupMs: setup time; Phases are milliseconds on the viewer
	// page's clock from its navigation (performance.timeOrigin) for every
	// phase.Setup() step, null when not reached; SetupMs is the time on the
	// harness's clock from its navigation request to the first decoded
	// frame, nil if none arrived (Breakdown.SetupPageMs: the same on the
	// page's clock).
	Phases  phase.Times `json:"phases"`
	SetupMs *float64    `json:"setupMs"`

	// Breakdown: page-clock setup, the latency's parts, picture quality.
	Breakdown

	// FPSMean and FPSP5 are the receiver's frames per second over the
	// measurement window (from framesDecoded deltas per second), mean and 5th
	// percentile of the one-second values.
	FPSMean float64 `json:"fpsMean"`
	FPSP5   float64 `json:"fpsP5"`
	// ReceivedWidth and ReceivedHeight are the decoded frame size at the end.
	ReceivedWidth  int `json:"receivedWidth"`
	ReceivedHeight int `json:"receivedHeight"`
	// FramesDecoded and FramesDropped count over the measurement window.
	FramesDecoded int64 `json:"framesDecoded"`
	FramesDropped int64 `json:"framesDropped"`
	// FreezeCount and FreezeDurationMs over the measurement window.
	FreezeCount      int64   `json:"freezeCount"`
	FreezeDurationMs float64 `json:"freezeDurationMs"`
	BitrateKbps      float64 `json:"bitrateKbps"`
	PacketLossPct    float64 `json:"packetLossPct"`
	JitterMs         float64 `json:"jitterMs"`
	// LatencyP50Ms and LatencyP95Ms: end-to-end latency from the synthetic frame
	// code; nil when the source carries no code.
	LatencyP50Ms *float64 `json:"latencyP50Ms"`
	LatencyP95Ms *float64 `json:"latencyP95Ms"`
	// LatencySamples is the number of frame-code latency values behind them.
	LatencySamples int `json:"latencySamples,omitempty"`
	// RTTMs is the median round-trip time of the viewer's selected candidate
	// pair (getStats currentRoundTripTime) over the measurement window; nil
	// when the page reported none.
	RTTMs *float64 `json:"rttMs,omitempty"`
	// LinkKbps is the media path's mean capacity over the measurement window
	// (the sender's uplink and the viewers' downlink, whichever is smaller);
	// absent without an emulated network or when both links are unlimited.
	LinkKbps *float64 `json:"linkKbps,omitempty"`
	// Codec and DecoderImplementation as the viewer's getStats reports them.
	Codec                 string `json:"codec,omitempty"`
	DecoderImplementation string `json:"decoderImplementation,omitempty"`

	// Sender holds the sender's own counters over the measurement window (the
	// camera's /metrics, or the sender page's outbound stats), nil if unread.
	Sender *SenderStats `json:"sender,omitempty"`

	// Processes maps a process name (Process* constants) to its CPU and memory.
	Processes map[string]ProcessStats `json:"processes,omitempty"`

	// CPUBudget is the sender's cgroup over the whole trial, when it ran under
	// a quota.
	CPUBudget *BudgetStats `json:"cpuBudget,omitempty"`

	// Signaling holds the figures of a signaling-load trial.
	Signaling *SignalingLoad `json:"signaling,omitempty"`

	// CandidatePair is the first viewer's selected ICE candidate pair (its
	// getStats) at the end of the trial; nil when there was none.
	CandidatePair *CandidatePair `json:"candidatePair,omitempty"`
	// ICEGatheringMs is the first viewer's ICE gathering time, from the
	// state "gathering" to "complete"; nil when gathering did not complete.
	ICEGatheringMs *float64 `json:"iceGatheringMs,omitempty"`
	// Relay holds the TURN server's figures over the measurement window, when
	// the trial's signaling server ran one.
	Relay *RelayStats `json:"relay,omitempty"`
	// PerViewer holds every viewer's figures when the trial had more than
	// one; the fields above are then those of the viewer with the lowest
	// fps (FPSMean is the lowest viewer's), except Phases and SetupMs, which
	// are the first viewer's.
	PerViewer []ViewerStats `json:"perViewer,omitempty"`
}

// CandidatePair is an ICE candidate pair as the viewer's getStats shows it
// (W3C webrtc-stats RTCIceCandidateStats).
type CandidatePair struct {
	// LocalType and RemoteType are host, srflx, prflx or relay.
	LocalType  string `json:"localType"`
	RemoteType string `json:"remoteType"`
	// Protocol is the local candidate's transport (udp, tcp).
	Protocol string `json:"protocol"`
	// RelayProtocol is the transport to the TURN server (udp, tcp, tls) when
	// the local candidate is a relay one.
	RelayProtocol string `json:"relayProtocol,omitempty"`
}

// Relayed reports whether either end of the pair is a TURN relay candidate.
func (c *CandidatePair) Relayed() bool {
	return c != nil && (c.LocalType == "relay" || c.RemoteType == "relay")
}

// RelayStats are the embedded TURN server's counters over a trial's
// measurement window (echtzeit_turn_* of the signaling server's /metrics).
type RelayStats struct {
	// BytesToPeer and BytesFromPeer are the bytes sent from and received on
	// relay addresses; Kbps is both per second of the window: what the
	// relay carried (a stream between two relayed sides crosses two
	// allocations and counts twice, as the server handles it twice).
	BytesToPeer   int64   `json:"bytesToPeer"`
	BytesFromPeer int64   `json:"bytesFromPeer"`
	Kbps          float64 `json:"kbps"`
	// Allocations is the number of allocations open at the window's end.
	Allocations int `json:"allocations"`
}

// ViewerStats are one viewer page's figures over the measurement window.
type ViewerStats struct {
	// Index numbers the viewers from 0 in the order their pages opened.
	Index          int            `json:"index"`
	SetupMs        *float64       `json:"setupMs"`
	FPSMean        float64        `json:"fpsMean"`
	FPSP5          float64        `json:"fpsP5"`
	FramesDecoded  int64          `json:"framesDecoded"`
	FreezeCount    int64          `json:"freezeCount"`
	BitrateKbps    float64        `json:"bitrateKbps"`
	PacketLossPct  float64        `json:"packetLossPct"`
	LatencyP50Ms   *float64       `json:"latencyP50Ms"`
	LatencyP95Ms   *float64       `json:"latencyP95Ms"`
	ReceivedWidth  int            `json:"receivedWidth"`
	ReceivedHeight int            `json:"receivedHeight"`
	CandidatePair  *CandidatePair `json:"candidatePair,omitempty"`
}

// AppendTrial appends t as one JSON line to the trials file at path (creating
// it), then syncs the file to disk so a crash or Ctrl-C loses no finished trial.
func AppendTrial(path string, t Trial) error {
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode trial %d: %w", t.Index, err)
	}
	data = append(data, '\n')
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open trials: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("append trial %d: %w", t.Index, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("sync trials: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close trials: %w", err)
	}
	return nil
}

// ReadTrials reads a trials.jsonl. A last line without its newline that does not
// parse (a write torn by a crash) is ignored; any other bad line is an error.
func ReadTrials(path string) ([]Trial, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open trials: %w", err)
	}
	defer func() { _ = f.Close() }()
	return DecodeTrials(f)
}

// DecodeTrials reads trials in the trials.jsonl format from r (see ReadTrials).
func DecodeTrials(r io.Reader) ([]Trial, error) {
	br := bufio.NewReader(r)
	var out []Trial
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return out, fmt.Errorf("read trials: %w", err)
		}
		torn := errors.Is(err, io.EOF)
		if trimmed := bytes.TrimSpace(b); len(trimmed) > 0 {
			var t Trial
			if uerr := json.Unmarshal(trimmed, &t); uerr != nil {
				if torn {
					return out, nil
				}
				return out, fmt.Errorf("trials line %d: %w", line, uerr)
			}
			out = append(out, t)
		}
		if torn {
			return out, nil
		}
	}
}
