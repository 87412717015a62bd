package camera

import (
	"context"
	"fmt"

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
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				s.inbox.put(keyFrameRequest{})
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
// the track (both codecs are in every offer and answer this camera makes).
func (s *session) handleRequest(ctx context.Context, r protocol.FormatRequest) error {
	f, err := s.format.WithRequest(r)
	if err == nil {
		err = CheckFormat(s.src, f)
	}
	if err == nil && f.Codec != s.format.Codec && s.remoteSet && !s.negotiated(f.Codec) {
		err = fmt.Errorf("%w: codec %s was not negotiated with this viewer", ErrUnsupportedFormat, f.Codec)
	}
	if err != nil {
		s.log.Info("refusing format request", "request", r, "err", err)
		payload, perr := protocol.EncodePayload(protocol.Payload{Error: &protocol.Error{Code: CodeUnsupportedFormat, Message: err.Error()}})
		if perr != nil {
			return perr
		}
		if serr := s.signal(ctx, payload); serr != nil {
			return fmt.Errorf("send unsupported-format: %w", serr)
		}
		return nil
	}
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
	if running || s.connected {
		s.startStream()
	}
	return nil
}

// startStream subscribes the session's track to the feed of its format.
func (s *session) startStream() {
	s.stopStream()
	s.sub = s.fan.subscribe(s.viewer, s.format, s.track)
}

// stopStream ends the session's subscription.
func (s *session) stopStream() {
	if s.sub != nil {
		s.fan.unsubscribe(s.sub)
		s.sub = nil
	}
}
