package camera

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/logging"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Send-side bandwidth estimation (DESIGN.md "The camera adapts"): Google
// Congestion Control (draft-ietf-rmcat-gcc-02) from pion/interceptor's cc and
// gcc packages, fed by transport-wide congestion control feedback
// (draft-holmer-rmcat-transport-wide-cc-extensions-01) that the viewer sends
// for the sequence numbers the camera stamps on every packet.

// Bounds of the estimate (bit/s). GCC starts at the format's bitrate.
const (
	minEstimate = 50_000
	maxEstimate = 25_000_000
)

var errPacerClosed = errors.New("pacer closed")

// API builds the camera's PeerConnections (NewAPI): the pion API and, unless
// congestion control is off, the bandwidth estimator of each PeerConnection.
type API struct {
	pion *webrtc.API
	bwe  *estimators // nil: congestion control off
}

// adapts says whether streams of src follow a bandwidth estimate while they
// run: congestion control is on and src is a live encoder.
func (a *API) adapts(src EncodedSource) bool {
	return a != nil && a.bwe != nil && AdaptationOf(src) == AdaptationLive
}

// estimators hands each new PeerConnection's bandwidth estimator to the
// session that creates it. pion creates the estimator inside
// NewPeerConnection (cc.InterceptorFactory); mu is held across that call
// only, so the initial bitrate goes in and the estimator comes out for one
// PeerConnection at a time.
type estimators struct {
	mu      sync.Mutex
	initial int                   // bit/s, for the estimator being created
	created cc.BandwidthEstimator // the one just created
	prober  *prober               // the created estimator's prober, for probeFactory
	logs    logging.LoggerFactory
}

// newPeerConnection creates a PeerConnection whose estimator starts at
// initial bit/s; the estimator is nil when congestion control is off.
func (a *API) newPeerConnection(c webrtc.Configuration, initial int) (*webrtc.PeerConnection, cc.BandwidthEstimator, error) {
	if a.bwe == nil {
		pc, err := a.pion.NewPeerConnection(c)
		return pc, nil, err
	}
	a.bwe.mu.Lock()
	defer a.bwe.mu.Unlock()
	a.bwe.initial, a.bwe.created = initial, nil
	pc, err := a.pion.NewPeerConnection(c)
	est := a.bwe.created
	a.bwe.created = nil
	if err != nil {
		return nil, nil, err
	}
	if est == nil {
		_ = pc.Close()
		return nil, nil, errors.New("new peer connection: no bandwidth estimator was created")
	}
	return pc, est, nil
}

// newEstimator is the cc interceptor's factory: GCC with the camera's pacer,
// bounded, starting at the initial rate newPeerConnection set.
func (e *estimators) newEstimator() (cc.BandwidthEstimator, error) {
	initial := e.initial // newPeerConnection holds mu around this call
	if initial <= 0 {
		initial = DefaultBitrate(Format{Width: 1280, Height: 720, FPS: 30})
	}
	initial = min(max(initial, minEstimate), maxEstimate)
	opts := []gcc.Option{
		gcc.SendSideBWEInitialBitrate(initial),
		gcc.SendSideBWEMinBitrate(minEstimate),
		gcc.SendSideBWEMaxBitrate(maxEstimate),
		gcc.SendSideBWEPacer(newRTPPacer(initial)),
	}
	if e.logs != nil {
		opts = append(opts, gcc.WithLoggerFactory(e.logs))
	}
	bwe, err := gcc.NewSendSideBWE(opts...)
	if err != nil {
		return nil, fmt.Errorf("new bandwidth estimator: %w", err)
	}
	var log *slog.Logger
	if l, ok := e.logs.(pionLogs); ok {
		log = l.log
	}
	// The format's bitrate is what the encoder gets at most: probes look
	// for the estimate that gives it that, not more.
	e.prober = newProber(bwe, int(float64(initial)/targetShare), log)
	bwe.OnPacketResults(e.prober.results)
	return bwe, nil
}

// probeFactory hands each PeerConnection the prober of its estimator (created
// just before by newEstimator, under mu).
type probeFactory struct{ e *estimators }

func (f probeFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	p := f.e.prober
	f.e.prober = nil
	if p == nil {
		return &interceptor.NoOp{}, nil
	}
	return p, nil
}

// registerCongestionControl adds, in this order, the GCC interceptor, the
// retransmission counter and the TWCC header extension to reg; the caller adds
// the default interceptors (NACK, reports, TWCC feedback) after them. The order
// is pion's: an outgoing packet passes the NACK responder (which keeps it for
// retransmission), then gets its transport-wide sequence number, then is counted,
// then waits in the pacer; a retransmission takes the same way from the
// responder on, with a new sequence number.
func registerCongestionControl(m *webrtc.MediaEngine, reg *interceptor.Registry, e *estimators, metrics *Metrics) error {
	f, err := cc.NewInterceptor(e.newEstimator)
	if err != nil {
		return fmt.Errorf("congestion control: %w", err)
	}
	f.OnNewPeerConnection(func(_ string, est cc.BandwidthEstimator) { e.created = est })
	reg.Add(f)
	reg.Add(&retransmissionCounter{metrics: metrics})
	if err := webrtc.ConfigureTWCCHeaderExtensionSender(m, reg); err != nil {
		return fmt.Errorf("twcc header extension: %w", err)
	}
	return nil
}

// registerRTX offers RTX (RFC 4588) for each video codec: a NACKed packet is
// sent again on its own SSRC, so the viewer's loss statistics and jitter
// buffer tell retransmissions from late packets.
func registerRTX(m *webrtc.MediaEngine, codecs map[webrtc.PayloadType]webrtc.PayloadType) error {
	for pt, rtx := range codecs {
		p := webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: fmt.Sprintf("apt=%d", pt)},
			PayloadType:        rtx,
		}
		if err := m.RegisterCodec(p, webrtc.RTPCodecTypeVideo); err != nil {
			return fmt.Errorf("register rtx for %d: %w", pt, err)
		}
	}
	return nil
}

// retransmissionCounter counts the packets the NACK responder sends again:
// those on the stream's RTX SSRC, or, without RTX, those whose sequence number
// is not newer than the newest one sent. It marks the RTX packets with their
// media stream's SSRC (streamSSRCKey), by which the pacer finds their writer:
// pion binds one local stream for both SSRCs.
type retransmissionCounter struct{ metrics *Metrics }

func (r *retransmissionCounter) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &retransmissionInterceptor{metrics: r.metrics}, nil
}

// streamSSRCKey is the attribute that carries an RTX packet's media SSRC.
type streamSSRCKey struct{}

type retransmissionInterceptor struct {
	interceptor.NoOp
	metrics *Metrics
}

func (r *retransmissionInterceptor) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	var (
		mu     sync.Mutex
		newest uint16
		seen   bool
	)
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		resent := false
		switch {
		case info.SSRCRetransmission != 0 && h.SSRC == info.SSRCRetransmission:
			resent = true
			if a == nil {
				a = interceptor.Attributes{}
			}
			a.Set(streamSSRCKey{}, info.SSRC)
		case h.SSRC == info.SSRC:
			mu.Lock()
			if seen && int16(h.SequenceNumber-newest) <= 0 {
				resent = true
			} else {
				newest, seen = h.SequenceNumber, true
			}
			mu.Unlock()
		}
		if resent {
			r.metrics.Retransmitted(h.MarshalSize() + len(payload))
		}
		return w.Write(h, payload, a)
	})
}
