package camera

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"echtzeit/signaling/protocol"
)

// The stream half of a session: while the PeerConnection is connected the
// session's track is subscribed to the camera's feed of its format (fanOut:
// one encoder per format, shared by every viewer of it); a format request
// moves it to another feed, and the viewer's picture loss indications ask
// that feed for a key frame. Runs on the session goroutine only, except
// readRTCP, which only posts events.

// keyFrameRequest is a viewer's RTCP PLI or FIR, posted by readRTCP.
type keyFrameRequest struct{}

// readRTCP reads the viewer's RTCP (so the interceptors see NACKs and reports) and
// turns picture loss indications into key frame requests. It ends when the sender
// is stopped by PeerConnection.Close.
func (s *session) readRTCP(sender *webrtc.RTPSender) {
	defer s.rtcpWG.Done()
	var viewer viewerRTCP // the viewer's RRTRs (dlrr.go)
	defer viewer.stop()
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				s.inbox.put(keyFrameRequest{})
			case *rtcp.ReceiverReport:
				s.receiverReport(p)
				viewer.listen(s.pc, p.SSRC, s.log.Debug)
			case *rtcp.TransportLayerNack:
				n := 0
				for _, pair := range p.Nacks {
					n += len(pair.PacketList())
				}
				s.metrics.NACKReceived(n)
			}
		}
	}
}

// requestKeyFrame passes the viewer's request to its feed.
func (s *session) requestKeyFrame() {
	if s.sub != nil {
		s.sub.keyFrame()
	}
}

// handleRequest applies a viewer's format request to this session (SPEC §2): the
// size and frame rate take effect by restarting the source, the codec by swapping
// the track (both codecs are in every offer and answer this camera makes). A
// refused request is answered at once with an unsupported-format signal that goes
// before the viewer's other queued signals. Each accepted request restarts the
// encoder, so a viewer may make only Limits.RequestRate of them per second.
func (s *session) handleRequest(r protocol.FormatRequest) error {
	if !s.requests.Allow() {
		return fmt.Errorf("%w: more than %d at once or %v per second", ErrRequestLimit, s.limits.RequestBurst, s.limits.RequestRate)
	}
	f, err := checkRequest(s.src, s.format, r)
	if err == nil && f.Codec != s.format.Codec && s.remoteSet && !s.negotiated(f.Codec) {
		err = fmt.Errorf("%w: codec %s was not negotiated with this viewer", ErrUnsupportedFormat, f.Codec)
	}
	if err != nil {
		return s.refuse(err)
	}
	if r.Codec != "" && !s.remoteSet {
		s.requestedCodec = f.Codec
	}
	return s.applyFormat(f)
}

// refuse tells the viewer that its request cannot be served.
func (s *session) refuse(reason error) error {
	// The reason quotes the viewer's request: debug only (issue #14).
	s.log.Info("refusing format request")
	s.log.Debug("refusing format request", "err", reason)
	payload, err := refusalPayload(reason)
	if err != nil {
		return err
	}
	if err := s.signal(payload, true); err != nil {
		return fmt.Errorf("send unsupported-format: %w", err)
	}
	return nil
}

// refusalPayload is the unsupported-format signal for reason, its message cut
// to 200 bytes (it quotes the request, which may be large).
func refusalPayload(reason error) (json.RawMessage, error) {
	msg := reason.Error()
	if len(msg) > 200 {
		msg = strings.ToValidUTF8(msg[:200], "") + "…"
	}
	return protocol.EncodePayload(protocol.Payload{Error: &protocol.Error{Code: CodeUnsupportedFormat, Message: msg}})
}

// applyFormat switches the session to f, restarting a running stream.
func (s *session) applyFormat(f Format) error {
	if f == s.format {
		return nil
	}
	s.log.Info("format requested", "format", f.String())
	codecChanged := f.Codec != s.format.Codec
	s.format = f
	running := s.sub != nil
	s.stopStream()
	if codecChanged {
		track, err := newTrack(f.Codec)
		if err != nil {
			return err
		}
		if err := s.sender.ReplaceTrack(track); err != nil {
			return fmt.Errorf("replace track for %s: %w", f.Codec, err)
		}
		s.track = track
	}
	switch {
	case s.connected:
		s.startStream()
	case running:
		s.warmStart() // not connected yet: frames would go nowhere, the first key frame too
	}
	return nil
}

// warmStart subscribes to the feed of the session's format before the viewer
// is connected, for sources that make a key frame on demand: when the camera
// makes its offer (the viewer joined), or once it answered a viewer's offer.
// A feed that starts for this viewer has its start-up (the encoder's set-up,
// the first frames: 80–110 ms at 1280×720 on a busy 2-core machine) over, or
// under way, when the viewer connects, and the viewer gets the feed's held
// key frame at once (heldkey.go) instead of waiting for a new encoder. The
// subscription gets no frame before the connection (activate). A format that
// changes before then (the viewer's request, the answer's codec) starts
// another warm feed (applyFormat).
func (s *session) warmStart() {
	if _, ok := s.src.(KeyFrameStreamer); !ok || s.sub != nil || s.connected {
		return
	}
	key, rate := s.feedFormat()
	s.sub = s.fan.add(s.viewer, key, s.track, false, rate, &s.ad.delivered)
}

// feedFormat is the feed to subscribe to and the viewer's target to start
// it with (0: the format's bitrate): the degradation step that fits the
// estimate (session_adapt.go), keyed by the viewer's format's bitrate, so
// that viewers at the same step share one encoder whatever their targets.
func (s *session) feedFormat() (Format, int) {
	f := s.streamFormat()
	if s.ad.a.mode == AdaptationNone {
		return f, 0
	}
	rate := f.Bitrate
	f.Bitrate = s.format.Bitrate
	return f, rate
}

// startStream subscribes the session's track to the feed of its format.
func (s *session) startStream() {
	s.stopStream()
	key, rate := s.feedFormat()
	s.sub = s.fan.add(s.viewer, key, s.track, true, rate, &s.ad.delivered)
}

// stopStream ends the session's subscription.
func (s *session) stopStream() {
	if s.sub != nil {
		s.fan.unsubscribe(s.sub)
		s.sub = nil
	}
}
