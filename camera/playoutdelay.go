package camera

import (
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// PlayoutDelayURI is the RTP header extension that tells the receiver the
// range of playout delay the sender wants (webrtc.org
// experiments/rtp-hdrext/playout-delay).
const PlayoutDelayURI = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"

// zeroPlayoutDelay writes the playout-delay extension with min = max = 0 into
// every video packet when the viewer negotiated it: Chromium then renders
// each frame as soon as it is decoded instead of holding it in its jitter
// buffer for a smooth cadence (its "low-latency renderer"). Less latency,
// less smoothing: an option (APIOptions.ZeroPlayoutDelay).
type zeroPlayoutDelay struct {
	interceptor.NoOp
	payload []byte
}

// zeroPlayoutDelayFactory makes the interceptor for each PeerConnection.
type zeroPlayoutDelayFactory struct{}

func (zeroPlayoutDelayFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	payload, err := rtp.PlayoutDelayExtension{MinDelay: 0, MaxDelay: 0}.Marshal()
	if err != nil {
		return nil, err
	}
	return &zeroPlayoutDelay{payload: payload}, nil
}

// BindLocalStream adds the extension to the stream's packets when it was
// negotiated.
func (z *zeroPlayoutDelay) BindLocalStream(info *interceptor.StreamInfo, writer interceptor.RTPWriter) interceptor.RTPWriter {
	id := 0
	for _, e := range info.RTPHeaderExtensions {
		if e.URI == PlayoutDelayURI {
			id = e.ID
		}
	}
	if id == 0 {
		return writer
	}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if err := h.SetExtension(uint8(id), z.payload); err != nil {
			return 0, err
		}
		return writer.Write(h, payload, a)
	})
}

// registerZeroPlayoutDelay offers the extension for video and adds the
// interceptor that writes it.
func registerZeroPlayoutDelay(m *webrtc.MediaEngine, reg *interceptor.Registry) error {
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: PlayoutDelayURI}, webrtc.RTPCodecTypeVideo); err != nil {
		return err
	}
	reg.Add(zeroPlayoutDelayFactory{})
	return nil
}
