//go:build cgo && !nogst

package gstreamer

import (
	"errors"
	"image"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
)

// pionReceiver is a recvonly pion PeerConnection on loopback that counts the
// frames (RTP marker bits) it receives.
type pionReceiver struct {
	pc     *webrtc.PeerConnection
	frames atomic.Int64
	codec  atomic.Value // string
}

func newPionReceiver(t *testing.T) *pionReceiver {
	t.Helper()
	m := &webrtc.MediaEngine{}
	require.NoError(t, m.RegisterDefaultCodecs())
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pc.Close() })
	r := &pionReceiver{pc: pc}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		r.codec.Store(tr.Codec().MimeType)
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if p.Marker {
				r.frames.Add(1)
			}
		}
	})
	return r
}

// pushFrames pushes black frames at about 30 fps until the pipeline stops.
func pushFrames(pc peer, f camera.Format) (stop func()) {
	img := image.NewYCbCr(image.Rect(0, 0, f.Width, f.Height), image.YCbCrSubsampleRatio420)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			if err := pc.PushI420(img); err != nil {
				return // flushing after Stop
			}
			select {
			case <-done:
				return
			case <-time.After(33 * time.Millisecond):
			}
		}
	})
	return func() {
		close(done)
		pc.Stop() // releases a push blocked in the appsrc
		wg.Wait()
	}
}

// TestBindingOfferAnswer runs each pipeline kind in real GStreamer against a pion
// receiver on loopback: webrtcbin's offer, pion's answer, trickled candidates,
// then frames arrive and the pad probes count them.
func TestBindingOfferAnswer(t *testing.T) {
	require.NoError(t, Init())
	t.Logf("%s", Version())
	f := camera.Format{Width: 320, Height: 180, FPS: 30}
	tests := []struct {
		name string
		cfg  PipelineConfig
		mime string
	}{
		{"vp8 synthetic", PipelineConfig{Source: SourceSynthetic, Format: withCodec(f, camera.CodecVP8)}, webrtc.MimeTypeVP8},
		{"x264 synthetic", PipelineConfig{Source: SourceSynthetic, Format: withCodec(f, camera.CodecH264)}, webrtc.MimeTypeH264},
		{"openh264 synthetic", PipelineConfig{Source: SourceSynthetic, Format: withCodec(f, camera.CodecH264), H264Encoder: EncoderOpenH264}, webrtc.MimeTypeH264},
		{"vp8 videotestsrc", PipelineConfig{Source: SourceTestSrc, Format: withCodec(f, camera.CodecVP8)}, webrtc.MimeTypeVP8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			desc, err := tt.cfg.Describe()
			require.NoError(t, err)
			box := newMailbox()
			pc, err := newPeer(desc, []string{"127.0.0.1"}, box.put)
			require.NoError(t, err)
			defer pc.Close()
			if tt.cfg.Source == SourceSynthetic {
				require.NoError(t, pc.SetFormat(f.Width, f.Height, f.FPS))
			}
			require.NoError(t, pc.Start())
			stopFrames := func() { pc.Stop() }
			if tt.cfg.Source == SourceSynthetic {
				stopFrames = pushFrames(pc, f)
			}
			defer stopFrames()

			rx := newPionReceiver(t)
			var total counters
			state := webrtc.PeerConnectionStateUnknown
			offered, answered := false, false
			deadline := time.Now().Add(30 * time.Second)
			for (rx.frames.Load() < 10 || total.encoded < 10 || total.sent < 10) && time.Now().Before(deadline) {
				select {
				case <-box.ready:
				case <-time.After(50 * time.Millisecond):
				}
				for _, ev := range box.drain() {
					switch ev := ev.(type) {
					case evNegotiationNeeded:
						if offered {
							continue
						}
						offered = true
						offer, err := pc.CreateSDP(true)
						require.NoError(t, err)
						assert.Contains(t, offer, "a=sendonly")
						require.NoError(t, rx.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}))
						answer, err := rx.pc.CreateAnswer(nil)
						require.NoError(t, err)
						gathered := webrtc.GatheringCompletePromise(rx.pc)
						require.NoError(t, rx.pc.SetLocalDescription(answer))
						<-gathered
						require.NoError(t, pc.SetRemote(false, rx.pc.LocalDescription().SDP))
						answered = true
					case evLocalCandidate:
						require.True(t, answered, "candidates come after the offer was created")
						mline := ev.mline
						require.NoError(t, rx.pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: ev.candidate, SDPMLineIndex: &mline}))
					case evConnectionState:
						state = ev.state
					case evBus:
						require.NotEqual(t, busError, ev.kind, ev.text)
					}
				}
				c := pc.Drain()
				total.encoded += c.encoded
				total.sent += c.sent
				total.bytes += c.bytes
				total.encodeTimes = append(total.encodeTimes, c.encodeTimes...)
			}
			assert.True(t, offered, "on-negotiation-needed was emitted")
			assert.Equal(t, webrtc.PeerConnectionStateConnected, state)
			assert.GreaterOrEqual(t, rx.frames.Load(), int64(10), "frames arrive at the receiver")
			assert.Equal(t, tt.mime, rx.codec.Load())
			assert.GreaterOrEqual(t, total.encoded, int64(10))
			assert.GreaterOrEqual(t, total.sent, int64(10))
			assert.Positive(t, total.bytes)
			assert.NotEmpty(t, total.encodeTimes, "encode times are measured")
			require.NoError(t, pc.SetBitrate(tt.cfg.bitrateProperty()))
			require.Error(t, pc.SetBitrate("no-such-property", 1))
			pc.ForceKeyFrame()
			t.Logf("received %d frames; %d encoded, %d sent, %d bytes", rx.frames.Load(), total.encoded, total.sent, total.bytes)
		})
	}
}

func TestBindingStoppedPipelineRefusesFrames(t *testing.T) {
	f := camera.Format{Width: 64, Height: 48, FPS: 30, Codec: camera.CodecVP8}
	desc, err := PipelineConfig{Source: SourceSynthetic, Format: f}.Describe()
	require.NoError(t, err)
	pc, err := newPeer(desc, nil, func(any) {})
	require.NoError(t, err)
	defer pc.Close()
	require.NoError(t, pc.SetFormat(f.Width, f.Height, f.FPS))
	require.NoError(t, pc.Start())
	pc.Stop()
	err = pc.PushI420(image.NewYCbCr(image.Rect(0, 0, f.Width, f.Height), image.YCbCrSubsampleRatio420))
	require.True(t, errors.Is(err, ErrFlushing), "got %v", err)
}

func TestBindingBadPipeline(t *testing.T) {
	_, err := newPeer("videotestsrc ! nosuchelement", nil, func(any) {})
	require.ErrorIs(t, err, ErrPipeline)
	_, err = newPeer("videotestsrc ! fakesink", nil, func(any) {})
	require.ErrorIs(t, err, ErrPipeline, "a pipeline without webrtc and pay is refused")
}

func withCodec(f camera.Format, c string) camera.Format {
	f.Codec = c
	return f
}
