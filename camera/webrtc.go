package camera

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// Payload types and fmtp lines the camera offers. H.264 is constrained baseline
// 3.1 with packetization mode 1, the profile every WebRTC browser decodes.
const (
	payloadTypeVP8     = 96
	payloadTypeVP8RTX  = 97
	payloadTypeH264    = 102
	payloadTypeH264RTX = 103
	fmtpH264           = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
)

var videoFeedback = []webrtc.RTCPFeedback{
	{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"},
	{Type: "rrtr"}, // the viewer asks for the round trip (dlrr.go)
}

func mimeType(codec string) string {
	if codec == CodecH264 {
		return webrtc.MimeTypeH264
	}
	return webrtc.MimeTypeVP8
}

func codecCapability(codec string) (webrtc.RTPCodecCapability, error) {
	switch codec {
	case CodecVP8:
		return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFeedback}, nil
	case CodecH264:
		return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: fmtpH264, RTCPFeedback: videoFeedback}, nil
	}
	return webrtc.RTPCodecCapability{}, fmt.Errorf("%w: codec %q", ErrUnsupportedFormat, codec)
}

// newTrack is the camera's video track for codec. TrackLocalStaticSample packetises
// with the payload type negotiated with this viewer, so there is no fixed-payload-type
// problem as with mediadevices' own tracks (FIELD-NOTES).
func newTrack(codec string) (*webrtc.TrackLocalStaticSample, error) {
	c, err := codecCapability(codec)
	if err != nil {
		return nil, err
	}
	t, err := webrtc.NewTrackLocalStaticSample(c, "video", "echtzeit-camera")
	if err != nil {
		return nil, fmt.Errorf("new %s track: %w", codec, err)
	}
	return t, nil
}

// APIOptions tune the pion API of the camera.
type APIOptions struct {
	// ICELoopback says whether candidates are gathered on loopback interfaces
	// (one machine, or a network namespace with only lo). The zero value,
	// LoopbackAuto, decides once in NewAPI from the interfaces that are up and
	// from SignalingURL's host, and logs its decision.
	ICELoopback LoopbackMode
	// SignalingURL is the signaling server's URL; LoopbackAuto includes
	// loopback candidates when its host is a loopback address.
	SignalingURL string
	// IPFilter, when set, keeps only the local addresses it accepts as candidates
	// (tests keep media on loopback with it).
	IPFilter func(net.IP) bool
	// Logger receives pion's logs (see pionLogs); nil leaves pion's default
	// logger, which prints errors to stderr.
	Logger *slog.Logger
	// ICEDisconnectedTimeout and ICEFailedTimeout default to 4 s and 10 s.
	ICEDisconnectedTimeout, ICEFailedTimeout time.Duration
	// NoCongestionControl turns the bandwidth estimation off: every stream
	// keeps its format's bitrate (the camera before issue 9).
	NoCongestionControl bool
	// Metrics count retransmissions; may be nil.
	Metrics *Metrics
	// RelayOnly says the PeerConnections use relay candidates only
	// (ICEServers with the relay-only policy): the camera, which offers and so
	// controls ICE (RFC 8445 §6.1.1), then nominates a relay pair as soon as
	// one works instead of waiting pion's 2 s for a better kind of pair that
	// cannot come (pion does not lower the wait itself under the relay policy).
	RelayOnly bool
	// NominationWait is how long the camera, which offers and so controls
	// ICE, waits before it nominates a relayed candidate pair, for a direct
	// one that may still validate; direct pairs (host, server- and
	// peer-reflexive) are nominated at once. pion's own waits (0.5 s for
	// server-reflexive, 1 s for peer-reflexive, 2 s for relayed pairs) cost
	// every stream through a NAT or the relay that much setup time; a
	// negative value keeps them.
	NominationWait time.Duration
	// ZeroPlayoutDelay asks the viewer to show frames without playout delay
	// (playoutdelay.go).
	ZeroPlayoutDelay bool
}

// NewAPI builds the pion API the camera's PeerConnections use: VP8 and H.264 only
// (with RTX), send-side bandwidth estimation (bwe.go), the default interceptors
// (NACK, RTCP reports, TWCC feedback), and the ICE settings.
func NewAPI(o APIOptions) (*API, error) {
	m := &webrtc.MediaEngine{}
	for _, c := range []struct {
		codec string
		pt    webrtc.PayloadType
	}{{CodecVP8, payloadTypeVP8}, {CodecH264, payloadTypeH264}} {
		capability, err := codecCapability(c.codec)
		if err != nil {
			return nil, err
		}
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: capability, PayloadType: c.pt}, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, fmt.Errorf("register %s: %w", c.codec, err)
		}
	}
	if err := registerRTX(m, map[webrtc.PayloadType]webrtc.PayloadType{payloadTypeVP8: payloadTypeVP8RTX, payloadTypeH264: payloadTypeH264RTX}); err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	registerDLRR(reg)
	api := &API{}
	if !o.NoCongestionControl {
		api.bwe = &estimators{}
		if o.Logger != nil {
			api.bwe.logs = pionLogs{log: o.Logger}
		}
		if err := registerCongestionControl(m, reg, api.bwe, o.Metrics); err != nil {
			return nil, err
		}
	}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		return nil, fmt.Errorf("register interceptors: %w", err)
	}
	if api.bwe != nil {
		reg.Add(probeFactory{api.bwe}) // before the NACK responder on the way out (probe.go)
	}
	if o.ZeroPlayoutDelay {
		if err := registerZeroPlayoutDelay(m, reg); err != nil {
			return nil, fmt.Errorf("register playout delay: %w", err)
		}
	}
	se := webrtc.SettingEngine{}
	loop := decideLoopback(o.ICELoopback, "", false, nil)
	if o.ICELoopback == LoopbackAuto {
		host, hostLoopback := signalingHost(context.Background(), o.SignalingURL)
		loop = decideLoopback(o.ICELoopback, host, hostLoopback, usableInterfaces(o.IPFilter))
	}
	if o.Logger != nil {
		if loop.include {
			o.Logger.Info("including loopback ICE candidates", "mode", o.ICELoopback, "reason", loop.reason)
		} else {
			o.Logger.Debug("no loopback ICE candidates", "mode", o.ICELoopback, "reason", loop.reason)
		}
	}
	se.SetIncludeLoopbackCandidate(loop.include)
	if o.IPFilter != nil {
		se.SetIPFilter(o.IPFilter)
	}
	if o.Logger != nil {
		se.LoggerFactory = pionLogs{log: o.Logger}
	}
	disc, failed := o.ICEDisconnectedTimeout, o.ICEFailedTimeout
	if disc <= 0 {
		disc = 4 * time.Second
	}
	if failed <= 0 {
		failed = 10 * time.Second
	}
	se.SetICETimeouts(disc, failed, time.Second)
	if o.NominationWait >= 0 {
		se.SetSrflxAcceptanceMinWait(0)
		se.SetPrflxAcceptanceMinWait(0)
		se.SetRelayAcceptanceMinWait(o.NominationWait)
	}
	if o.RelayOnly {
		se.SetRelayAcceptanceMinWait(0)
	}
	api.pion = webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	return api, nil
}
