package camera

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pion/webrtc/v4"

	"echtzeit/signaling/protocol"
)

// The negotiation half of a session: the viewer's signals in, the camera's offer,
// answer and candidates out (thesis §4.4.2, SPEC §2). Runs on the session
// goroutine only.

func (s *session) handleSignal(ctx context.Context, p protocol.Payload) error {
	switch {
	case p.Request != nil:
		return s.handleRequest(ctx, *p.Request)
	case p.SDP != nil:
		return s.handleSDP(ctx, *p.SDP)
	case p.IsEndOfCandidates():
		return nil
	case len(p.Candidate) > 0:
		c, ok, err := p.ICECandidate()
		if err != nil || !ok {
			s.log.Warn("ignoring malformed candidate", "err", err)
			return nil
		}
		init := webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex, UsernameFragment: c.UsernameFragment}
		if !s.remoteSet {
			s.pending = append(s.pending, init)
			return nil
		}
		if err := s.pc.AddICECandidate(init); err != nil {
			s.log.Warn("add remote candidate", "err", err)
		}
		return nil
	case p.Error != nil:
		s.log.Warn("viewer reported an error", "code", p.Error.Code, "message", p.Error.Message)
		return nil
	}
	s.log.Debug("ignoring empty signal")
	return nil
}

// negotiated reports whether codec is among the sender's negotiated codecs.
func (s *session) negotiated(codec string) bool {
	want := mimeType(codec)
	for _, c := range s.sender.GetParameters().Codecs {
		if strings.EqualFold(c.MimeType, want) {
			return true
		}
	}
	return false
}

func (s *session) handleSDP(ctx context.Context, d protocol.SessionDescription) error {
	desc := webrtc.SessionDescription{SDP: d.SDP}
	switch d.Type {
	case "offer":
		desc.Type = webrtc.SDPTypeOffer
	case "answer":
		desc.Type = webrtc.SDPTypeAnswer
	default:
		s.log.Warn("ignoring session description", "type", d.Type)
		return nil
	}
	if desc.Type == webrtc.SDPTypeOffer && s.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		// Glare: the camera is polite and takes the viewer's offer.
		s.log.Info("offer collision; rolling back the camera's offer")
		if err := s.pc.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback}); err != nil {
			return fmt.Errorf("rollback: %w", err)
		}
	}
	if err := s.pc.SetRemoteDescription(desc); err != nil {
		return fmt.Errorf("set remote %s: %w", d.Type, err)
	}
	s.remoteSet = true
	for _, c := range s.pending {
		if err := s.pc.AddICECandidate(c); err != nil {
			s.log.Warn("add queued remote candidate", "err", err)
		}
	}
	s.pending = nil
	if desc.Type == webrtc.SDPTypeAnswer {
		return s.checkCodec(ctx)
	}
	answer, err := s.pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("create answer: %w", err)
	}
	if err := s.pc.SetLocalDescription(answer); err != nil {
		return fmt.Errorf("set local answer: %w", err)
	}
	if err := s.sendSDP(ctx, answer); err != nil {
		return err
	}
	return s.checkCodec(ctx)
}

// checkCodec falls back to the other codec when the viewer did not accept the
// configured one (e.g. a browser without H.264).
func (s *session) checkCodec(ctx context.Context) error {
	if s.negotiated(s.format.Codec) {
		return nil
	}
	for _, c := range []string{CodecVP8, CodecH264} {
		if c == s.format.Codec || !s.negotiated(c) {
			continue
		}
		f := s.format
		f.Codec = c
		if CheckFormat(s.src, f) != nil {
			continue
		}
		s.log.Warn("viewer did not accept the codec; falling back", "codec", s.format.Codec, "fallback", c)
		return s.handleRequest(ctx, protocol.FormatRequest{Codec: c})
	}
	s.log.Warn("no codec of this source was negotiated; the viewer will get no video", "codec", s.format.Codec)
	return nil
}

func (s *session) offer(ctx context.Context) error {
	offer, err := s.pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("create offer: %w", err)
	}
	if err := s.pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("set local offer: %w", err)
	}
	return s.sendSDP(ctx, offer)
}

func (s *session) sendSDP(ctx context.Context, d webrtc.SessionDescription) error {
	payload, err := protocol.EncodePayload(protocol.Payload{SDP: &protocol.SessionDescription{Type: d.Type.String(), SDP: d.SDP}})
	if err != nil {
		return err
	}
	if err := s.signal(ctx, payload); err != nil {
		return fmt.Errorf("send %s: %w", d.Type, err)
	}
	return nil
}

func (s *session) sendCandidate(ctx context.Context, c *webrtc.ICECandidate) error {
	var payload json.RawMessage
	if c == nil {
		payload = protocol.EndOfCandidatesPayload()
	} else {
		init := c.ToJSON()
		var err error
		payload, err = protocol.CandidatePayload(protocol.ICECandidate{
			Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex, UsernameFragment: init.UsernameFragment,
		})
		if err != nil {
			return err
		}
	}
	if err := s.signal(ctx, payload); err != nil {
		return fmt.Errorf("send candidate: %w", err)
	}
	return nil
}
