package camera

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"echtzeit/signaling/protocol"
)

// The stream half of a session: the source runs into the track while the
// PeerConnection is connected, restarts after a failure or a format change, and
// answers the viewer's key frame requests. Runs on the session goroutine only,
// except readRTCP and the source's own goroutine, which only post events.

// restartStream asks the session to start generation gen of the stream again.
type restartStream struct{ gen int }

// streamStopped handles the end of a stream generation: a failure (not a
// cancellation) is retried after streamRetryDelay while the viewer is connected.
func (s *session) streamStopped(ev streamEnded) {
	if ev.gen != s.streamGen || ev.err == nil {
		return
	}
	s.log.Warn("source stopped; starting it again", "err", ev.err, "retry_in", streamRetryDelay)
	if s.retry != nil {
		s.retry.Stop()
	}
	gen := ev.gen
	s.retry = time.AfterFunc(streamRetryDelay, func() { s.inbox.put(restartStream{gen: gen}) })
}

func (s *session) restartStream(ev restartStream) {
	if ev.gen == s.streamGen && s.connected {
		s.startStream()
	}
}

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
			switch p := p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				s.requestKeyFrame()
			case *rtcp.ReceiverReport:
				s.receiverReport(p)
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

func (s *session) requestKeyFrame() {
	select {
	case s.keyFrames <- struct{}{}:
	default:
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
	running := s.streamCancel != nil
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

// warmStart starts the source and its encoder once offer and answer are
// done, while ICE and DTLS are still under way, for sources that make a key
// frame on demand: their start-up (the encoder's set-up, the first frames)
// is then over when the viewer connects, and the connection asks for a key
// frame instead of waiting for a new encoder (about 140 ms at 1280×720 on a
// busy 2-core machine). Frames before the connection are discarded (up).
func (s *session) warmStart() {
	if _, ok := s.src.(KeyFrameStreamer); !ok || s.streamCancel != nil || s.connected {
		return
	}
	s.startStream()
}

// startStream runs the source into the track until stopStream.
func (s *session) startStream() {
	s.stopStream()
	s.streamGen++
	gen := s.streamGen
	ctx, cancel := context.WithCancel(s.ctx)
	s.streamCancel = cancel
	f, track, keyFrames, rates := s.streamFormat(), s.track, s.keyFrames, s.ad.rates
	rs, live := s.src.(RateStreamer)
	live = live && s.ad.a.mode == AdaptationLive
	// Drop a key frame request left over from before: the new stream starts with one.
	select {
	case <-keyFrames:
	default:
	}
	s.metrics.SetFormat(f, s.srcName)
	started := time.Now()
	var once sync.Once
	_, selfCounting := s.src.(FrameCounter)
	write := func(sample media.Sample) error {
		if !s.up.Load() {
			return nil // warm start: not connected yet
		}
		picture := sample.Duration > 0
		if picture && !selfCounting {
			s.metrics.FrameCaptured()
			s.metrics.FrameEncoded(0)
		}
		s.ad.delivered.Add(int64(len(sample.Data)))
		writeStart := time.Now()
		if err := track.WriteSample(sample); err != nil {
			s.metrics.FramesDropped(1)
			return fmt.Errorf("write sample: %w", err)
		}
		if picture {
			s.metrics.FrameWritten(time.Since(writeStart))
		}
		s.metrics.SampleSent(len(sample.Data), picture)
		once.Do(func() {
			s.log.Debug("first frame sent", "after_stream_start", time.Since(started).Round(time.Millisecond))
		})
		return nil
	}
	s.streamWG.Add(1)
	go func() {
		defer s.streamWG.Done()
		var err error
		if live {
			err = rs.StreamRates(ctx, f, keyFrames, rates, write)
		} else if ks, ok := s.src.(KeyFrameStreamer); ok {
			err = ks.StreamKeyFrames(ctx, f, keyFrames, write)
		} else {
			err = s.src.Stream(ctx, f, write)
		}
		if ctx.Err() != nil {
			err = nil
		} else if err == nil {
			err = errors.New("source ended")
		}
		s.inbox.put(streamEnded{gen: gen, err: err})
	}()
}

// stopStream cancels the running source and waits for it.
func (s *session) stopStream() {
	if s.streamCancel != nil {
		s.streamCancel()
		s.streamCancel = nil
	}
	s.streamWG.Wait()
}
