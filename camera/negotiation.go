package camera

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"

	"echtzeit/signaling/protocol"
)

// The negotiation half of a session: the viewer's signals in, the camera's offer,
// answer and candidates out (thesis §4.4.2, SPEC §2). Runs on the session
// goroutine only.
//
// The camera sends few signals (issue #14): after setting a local description
// it waits up to Limits.GatherWindow for ICE gathering to complete and then sends
// the description with its candidates (and a=end-of-candidates) in it, one
// message where trickle ICE would send one per candidate plus the end marker.
// Candidates gathered after the window trickle as before.

// negotiation is the negotiation state of a session.
type negotiation struct {
	remoteSet bool
	pending   []webrtc.ICECandidateInit // remote candidates before the remote description
	// remoteCount and remoteBytes count every remote candidate of the session
	// (Limits.MaxRemoteCandidates, Limits.MaxCandidateBytes).
	remoteCount, remoteBytes int

	held        bool // a local description waits for gathering
	heldGen     int  // invalidates the gather timer of an earlier description
	heldAt      time.Time
	gatherTimer *time.Timer
	inSDP       map[string]bool // local candidates sent inside a description
	endSent     bool            // end of candidates sent (in a description or as a signal)

	requestedCodec string // a codec the viewer asked for before the remote description
}

func (s *session) handleSignal(p protocol.Payload) error {
	switch {
	case p.Request != nil:
		return s.handleRequest(*p.Request)
	case p.SDP != nil:
		return s.handleSDP(*p.SDP)
	case p.IsEndOfCandidates():
		return nil
	case len(p.Candidate) > 0:
		return s.remoteCandidate(p)
	case p.Error != nil:
		// The viewer's text stays out of the logs above debug (issue #14).
		s.log.Debug("viewer reported an error", "code", p.Error.Code, "message", p.Error.Message)
		return nil
	}
	s.log.Debug("ignoring empty signal")
	return nil
}

// remoteCandidate queues or applies one of the viewer's candidates, within the
// session's bounds.
func (s *session) remoteCandidate(p protocol.Payload) error {
	s.remoteCount++
	s.remoteBytes += len(p.Candidate)
	if s.remoteCount > s.limits.MaxRemoteCandidates || s.remoteBytes > s.limits.MaxCandidateBytes {
		return fmt.Errorf("%w: %d candidates, %d bytes (limits %d, %d)", ErrCandidateLimit,
			s.remoteCount, s.remoteBytes, s.limits.MaxRemoteCandidates, s.limits.MaxCandidateBytes)
	}
	c, ok, err := p.ICECandidate()
	if err != nil || !ok {
		s.log.Debug("ignoring malformed candidate", "err", err)
		return nil
	}
	init := webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex, UsernameFragment: c.UsernameFragment}
	if !s.remoteSet {
		s.pending = append(s.pending, init)
		return nil
	}
	if err := s.pc.AddICECandidate(init); err != nil {
		s.log.Debug("add remote candidate", "err", err)
	}
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

func (s *session) handleSDP(d protocol.SessionDescription) error {
	desc := webrtc.SessionDescription{SDP: d.SDP}
	switch d.Type {
	case "offer":
		desc.Type = webrtc.SDPTypeOffer
	case "answer":
		desc.Type = webrtc.SDPTypeAnswer
	default:
		s.log.Debug("ignoring session description", "type", d.Type)
		return nil
	}
	if desc.Type == webrtc.SDPTypeOffer && s.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		// Glare: the camera is polite and takes the viewer's offer.
		s.log.Info("offer collision; rolling back the camera's offer")
		s.held = false
		s.heldGen++
		if err := s.pc.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback}); err != nil {
			return fmt.Errorf("%w: rollback: %w", ErrNegotiation, err)
		}
	}
	if err := s.pc.SetRemoteDescription(desc); err != nil {
		return fmt.Errorf("%w: set remote %s: %w", ErrNegotiation, desc.Type, err)
	}
	s.remoteSet = true
	for _, c := range s.pending {
		if err := s.pc.AddICECandidate(c); err != nil {
			s.log.Debug("add queued remote candidate", "err", err)
		}
	}
	s.pending = nil
	if desc.Type == webrtc.SDPTypeAnswer {
		if err := s.checkCodec(); err != nil {
			return err
		}
		s.warmStart()
		return nil
	}
	answer, err := s.pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("%w: create answer: %w", ErrNegotiation, err)
	}
	if err := s.pc.SetLocalDescription(answer); err != nil {
		return fmt.Errorf("%w: set local answer: %w", ErrNegotiation, err)
	}
	if err := s.holdLocal(); err != nil {
		return err
	}
	if err := s.checkCodec(); err != nil {
		return err
	}
	s.warmStart()
	return nil
}

// checkCodec falls back to the other codec when the viewer did not accept the
// configured one (e.g. a browser without H.264). A codec the viewer asked for
// and then did not negotiate is refused to it at once.
func (s *session) checkCodec() error {
	if s.negotiated(s.format.Codec) {
		return nil
	}
	if s.requestedCodec == s.format.Codec {
		err := fmt.Errorf("%w: codec %s was not negotiated with this viewer", ErrUnsupportedFormat, s.format.Codec)
		if rerr := s.refuse(err); rerr != nil {
			return rerr
		}
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
		return s.applyFormat(f)
	}
	s.log.Warn("no codec of this source was negotiated; the viewer will get no video", "codec", s.format.Codec)
	return nil
}

func (s *session) offer() error {
	offer, err := s.pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("%w: create offer: %w", ErrNegotiation, err)
	}
	if err := s.pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("%w: set local offer: %w", ErrNegotiation, err)
	}
	return s.holdLocal()
}

// holdLocal sends the local description once gathering is complete, or when the
// gather window is over, whichever comes first.
func (s *session) holdLocal() error {
	if s.pc.ICEGatheringState() == webrtc.ICEGatheringStateComplete {
		return s.sendHeldSDP("gathering was complete")
	}
	s.held = true
	s.heldGen++
	s.heldAt = time.Now()
	gen := s.heldGen
	if s.gatherTimer != nil {
		s.gatherTimer.Stop()
	}
	s.gatherTimer = time.AfterFunc(s.limits.GatherWindow, func() { s.inbox.put(gatherDeadline{gen: gen}) })
	return nil
}

// sendHeldSDP sends the current local description with the candidates gathered
// so far.
func (s *session) sendHeldSDP(why string) error {
	s.held = false
	s.heldGen++
	if s.gatherTimer != nil {
		s.gatherTimer.Stop()
	}
	d := s.pc.LocalDescription()
	if d == nil {
		return fmt.Errorf("%w: no local description to send", ErrNegotiation)
	}
	if s.inSDP == nil {
		s.inSDP = map[string]bool{}
	}
	n := 0
	for line := range strings.Lines(d.SDP) {
		line = strings.TrimRight(line, "\r\n")
		if c, ok := strings.CutPrefix(line, "a=candidate:"); ok {
			s.inSDP["candidate:"+c] = true
			n++
		} else if line == "a=end-of-candidates" {
			s.endSent = true
		}
	}
	s.log.Debug("sending local description", "type", d.Type, "candidates", n, "complete", s.endSent,
		"waited", time.Since(s.heldAt).Round(time.Millisecond), "because", why)
	sdp := d.SDP
	if d.Type == webrtc.SDPTypeAnswer {
		sdp = askForRRTR(sdp) // the viewer's round trip (dlrr.go); pion refuses a changed answer
	}
	payload, err := protocol.EncodePayload(protocol.Payload{SDP: &protocol.SessionDescription{Type: d.Type.String(), SDP: sdp}})
	if err != nil {
		return err
	}
	if err := s.signal(payload, false); err != nil {
		return fmt.Errorf("send %s: %w", d.Type, err)
	}
	return nil
}

// localCandidate handles one of pion's gathered candidates (nil: gathering is
// complete): it goes inside the held description, or trickles when the
// description is out without it.
func (s *session) localCandidate(c *webrtc.ICECandidate) error {
	if s.held {
		if c == nil {
			return s.sendHeldSDP("gathering complete")
		}
		return nil // it will be in the description
	}
	var payload json.RawMessage
	if c == nil {
		if s.endSent {
			return nil
		}
		s.endSent = true
		payload = protocol.EndOfCandidatesPayload()
	} else {
		init := c.ToJSON()
		if s.inSDP[init.Candidate] {
			return nil
		}
		var err error
		payload, err = protocol.CandidatePayload(protocol.ICECandidate{
			Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex, UsernameFragment: init.UsernameFragment,
		})
		if err != nil {
			return err
		}
	}
	if err := s.signal(payload, false); err != nil {
		return fmt.Errorf("send candidate: %w", err)
	}
	return nil
}
