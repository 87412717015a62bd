package camera_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/camera/passthrough"
	"echtzeit/camera/softenc"
	"echtzeit/camera/synthetic"
	"echtzeit/harness/forwarder"
	"echtzeit/harness/link"
	"echtzeit/harness/netns"
	"echtzeit/harness/network"
	"echtzeit/harness/probe"
	childproc "echtzeit/internal/child"
	"echtzeit/internal/contract"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
)

// The camera over an emulated link (issue 9): the camera runs as a process
// of its own in the sender's network namespace, behind the link emulator's
// forwarder (harness/network, harness/forwarder); a pion viewer runs in this
// process with its sockets in the viewer's namespace. This test binary is
// also the forwarder and the camera process (runHelper, from TestMain).

// Environment variables that turn the test binary into a helper process.
const (
	envForwarder = "ECHTZEIT_TEST_FORWARDER" // "1": run the link forwarder
	envCamera    = "ECHTZEIT_TEST_CAMERA"    // a cameraSpec: run a synthetic camera
)

// runHelper runs this process as a helper when the environment says so.
func runHelper() (code int, ok bool) {
	switch {
	case os.Getenv(envForwarder) == "1":
		if err := forwarder.Serve(context.Background(), os.Stdin, os.Stdout, os.Getpid()); err != nil {
			fmt.Fprintln(os.Stderr, "forwarder:", err)
			return 1, true
		}
		return 0, true
	case os.Getenv(envCamera) != "":
		if err := runCameraProcess(os.Getenv(envCamera)); err != nil {
			fmt.Fprintln(os.Stderr, "camera:", err)
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// cameraSpec configures the camera process.
type cameraSpec struct {
	Signaling string
	Room      protocol.RoomID
	Format    camera.Format
	// RpicamCommand, when set, makes the source rpicam with this command
	// (the stand-in of camera/passthrough); otherwise it is synthetic.
	RpicamCommand string
}

// runCameraProcess runs a camera as cmd/camera does (synthetic with the own
// libvpx and x264 bindings, or rpicam; congestion control on, balanced
// degradation) until SIGTERM. It prints "metrics ADDR" once its /metrics
// listens on loopback.
func runCameraProcess(spec string) error {
	var c cameraSpec
	if err := json.Unmarshal([]byte(spec), &c); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	metrics := camera.NewMetrics()
	var src camera.EncodedSource = passthrough.NewRpicam(passthrough.RpicamConfig{Command: c.RpicamCommand}, log)
	if c.RpicamCommand == "" {
		var err error
		src, err = softenc.New(synthetic.Source{}, c.Format.Codec, log, metrics, softenc.WithVP8Tuning(-6, 1), softenc.WithH264Tuning("veryfast", 0))
		if err != nil {
			return err
		}
	}
	api, err := camera.NewAPI(camera.APIOptions{Logger: log, Metrics: metrics})
	if err != nil {
		return err
	}
	cam, err := camera.New(camera.Config{
		SignalingURL: c.Signaling, Room: c.Room, Source: src, SourceName: "synthetic",
		Format: c.Format, API: api, Logger: log, Metrics: metrics,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: metrics.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	fmt.Printf("metrics %s\n", ln.Addr())
	return cam.Run(ctx)
}

// requireNamespaces skips the test where network namespaces and TUN devices
// cannot be made.
func requireNamespaces(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skip("no /dev/net/tun")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no ip (iproute2)")
	}
}

// nsNet is pion's network, but every socket is made inside the network
// namespace at path (harness/netns.Do), so a PeerConnection of this process
// gathers and sends there.
type nsNet struct {
	*stdnet.Net
	path string
}

func newNSNet(path string) (*nsNet, error) {
	var n *stdnet.Net
	err := netns.Do(path, func() (err error) { n, err = stdnet.NewNet(); return err })
	if err != nil {
		return nil, err
	}
	return &nsNet{Net: n, path: path}, nil
}

func (n *nsNet) ListenPacket(network, address string) (c net.PacketConn, err error) {
	err = netns.Do(n.path, func() (e error) { c, e = n.Net.ListenPacket(network, address); return e })
	return c, err
}

func (n *nsNet) ListenUDP(network string, a *net.UDPAddr) (c transport.UDPConn, err error) {
	err = netns.Do(n.path, func() (e error) { c, e = n.Net.ListenUDP(network, a); return e })
	return c, err
}

func (n *nsNet) ListenTCP(network string, a *net.TCPAddr) (l transport.TCPListener, err error) {
	err = netns.Do(n.path, func() (e error) { l, e = n.Net.ListenTCP(network, a); return e })
	return l, err
}

func (n *nsNet) Dial(network, address string) (c net.Conn, err error) {
	err = netns.Do(n.path, func() (e error) { c, e = n.Net.Dial(network, address); return e })
	return c, err
}

func (n *nsNet) DialUDP(network string, l, r *net.UDPAddr) (c transport.UDPConn, err error) {
	err = netns.Do(n.path, func() (e error) { c, e = n.Net.DialUDP(network, l, r); return e })
	return c, err
}

func (n *nsNet) DialTCP(network string, l, r *net.TCPAddr) (c transport.TCPConn, err error) {
	err = netns.Do(n.path, func() (e error) { c, e = n.Net.DialTCP(network, l, r); return e })
	return c, err
}

// nsViewer is a pion viewer whose media goes through a namespace; it counts
// what arrives.
type nsViewer struct {
	pc     *webrtc.PeerConnection
	cl     *client.Client
	bytes  atomic.Int64 // RTP payload and header bytes of the video
	frames atomic.Int64
	// late counts packets older than the newest one: the link does not
	// reorder, so they are retransmissions.
	late   atomic.Int64
	mu     sync.Mutex
	camera protocol.ParticipantID
}

// joinNSViewer joins room through the signaling server at wsURL (reached
// from here) with its media in the namespace at nsPath. The camera is
// already in the room, so it offers (§4.4.2).
func joinNSViewer(ctx context.Context, t *testing.T, wsURL, nsPath string, room protocol.RoomID) *nsViewer {
	t.Helper()
	n, err := newNSNet(nsPath)
	require.NoError(t, err)
	// VP8 and H.264 without RTX: pion's receiver gives RTX packets to the
	// track but not to its NACK generator and TWCC recorder, so it would ask
	// for a repaired packet again and again and report every repair as lost
	// in its feedback (the camera's estimator would take that for 30 % loss).
	// Without RTX the camera repairs on the media SSRC, as browsers see it.
	m := &webrtc.MediaEngine{}
	for _, c := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, PayloadType: 96},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, PayloadType: 102},
	} {
		require.NoError(t, m.RegisterCodec(c, webrtc.RTPCodecTypeVideo))
	}
	reg := &interceptor.Registry{}
	require.NoError(t, webrtc.RegisterDefaultInterceptors(m, reg)) // NACK, PLI, reports, TWCC feedback
	se := webrtc.SettingEngine{}
	se.SetNet(n)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetInterfaceFilter(func(name string) bool { return name != "lo" })
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pc.Close() })
	v := &nsViewer{pc: pc}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		var newest uint16
		for n := 0; ; n++ {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if n > 0 && int16(p.SequenceNumber-newest) < 0 {
				v.late.Add(1)
			} else {
				newest = p.SequenceNumber
			}
			v.bytes.Add(int64(p.MarshalSize()))
			if p.Marker {
				v.frames.Add(1)
			}
		}
	})
	cl, err := client.Dial(ctx, wsURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cl.Close() })
	v.cl = cl
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		init := c.ToJSON()
		payload, err := protocol.CandidatePayload(protocol.ICECandidate{Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex})
		if err == nil {
			v.mu.Lock()
			to := v.camera
			v.mu.Unlock()
			_ = cl.Signal(context.Background(), to, payload)
		}
	})
	_, err = cl.Join(ctx, room)
	require.NoError(t, err)
	go v.signals(ctx, t)
	return v
}

// signals answers the camera's offer and takes its candidates.
func (v *nsViewer) signals(ctx context.Context, t *testing.T) {
	for {
		msg, err := v.cl.Receive(ctx)
		if err != nil {
			return
		}
		rs, ok := msg.(protocol.RoomSignal)
		if !ok {
			continue
		}
		p, err := protocol.DecodePayload(rs.Signal)
		if err != nil {
			continue
		}
		v.mu.Lock()
		v.camera = rs.From
		v.mu.Unlock()
		switch {
		case p.SDP != nil && p.SDP.Type == "offer":
			if err := v.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: p.SDP.SDP}); err != nil {
				t.Errorf("viewer: set offer: %v", err)
				return
			}
			answer, err := v.pc.CreateAnswer(nil)
			if err == nil {
				err = v.pc.SetLocalDescription(answer)
			}
			if err != nil {
				t.Errorf("viewer: answer: %v", err)
				return
			}
			payload, _ := protocol.EncodePayload(protocol.Payload{SDP: &protocol.SessionDescription{Type: "answer", SDP: answer.SDP}})
			_ = v.cl.Signal(ctx, rs.From, payload)
		case len(p.Candidate) > 0 && !p.IsEndOfCandidates():
			if c, ok, err := p.ICECandidate(); err == nil && ok {
				_ = v.pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex})
			}
		}
	}
}

// linkSample is what the forwarder and the viewer say at one time.
type linkSample struct {
	at          time.Time
	sentBytes   int64 // into the sender's uplink
	queuedBytes int   // waiting in its queue
	rxBytes     int64 // at the viewer
	rxFrames    int64
}

// over3G is a camera process behind the 3g profile's uplink and a pion
// viewer behind a lan link, with a signaling server in the core.
type over3G struct {
	t       *testing.T
	ctx     context.Context
	linkBps float64
	viewer  *nsViewer
	first   time.Time // the viewer's first frame
	scrape  func() map[string]float64

	mu         sync.Mutex
	lastReport *forwarder.Report
	camLines   []string
	history    []linkSample
}

// startOver3G builds the network, starts the camera of spec (Signaling and
// Room are filled in) and the viewer, and returns once the first frame has
// arrived.
func startOver3G(t *testing.T, ctx context.Context, spec cameraSpec) *over3G {
	t.Helper()
	log := testLogger(t)
	profile, err := link.Builtin("3g")
	require.NoError(t, err)
	o := &over3G{t: t, ctx: ctx, linkBps: float64(profile.Up.Rate)}
	require.InDelta(t, 768_000, o.linkBps, 1)
	topo, err := network.Build(ctx, network.Config{
		Name:      fmt.Sprintf("cam%d", time.Now().UnixNano()%100000),
		Sides:     []network.SideConfig{{Name: "sender", Profile: profile}, {Name: "viewer"}},
		Forwarder: []string{os.Args[0]}, ForwarderEnv: []string{envForwarder + "=1"},
		OnReport: func(r forwarder.Report) { o.mu.Lock(); o.lastReport = &r; o.mu.Unlock() },
		Logger:   log,
	})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, topo.Close()) })
	sender, viewerSide := topo.Side("sender"), topo.Side("viewer")

	// One signaling server: in the core for the camera (its signaling
	// crosses the link), on loopback here for the viewer's signaling.
	srv, err := server.New(server.Config{}, log)
	require.NoError(t, err)
	coreLn, err := netns.Listen(topo.Core.Path(), "tcp", network.ServiceAddr.String()+":0")
	require.NoError(t, err)
	localLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var serving sync.WaitGroup
	for _, ln := range []net.Listener{coreLn, localLn} {
		serving.Add(1)
		go func() { defer serving.Done(); _ = srv.Serve(ctx, ln) }()
	}
	t.Cleanup(func() { _ = srv.Close(); serving.Wait() })

	room := protocol.NewRoomID()
	spec.Signaling, spec.Room = "ws://"+coreLn.Addr().String()+"/ws", room
	js, err := json.Marshal(spec)
	require.NoError(t, err)
	metricsAddr, joined := make(chan string, 1), make(chan struct{})
	var joinOnce sync.Once
	cam, err := childproc.Start(childproc.Config{
		Name: "camera", Path: os.Args[0], Env: []string{envCamera + "=" + string(js)},
		Prefix: sender.NS.Prefix(),
		OnLine: func(line string) {
			if addr, ok := strings.CutPrefix(line, "metrics "); ok {
				select {
				case metricsAddr <- addr:
				default:
				}
				return
			}
			if strings.Contains(line, `msg="joined room"`) {
				joinOnce.Do(func() { close(joined) })
			}
			o.mu.Lock()
			o.camLines = append(o.camLines, line)
			o.mu.Unlock()
			t.Log("camera: " + line)
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cam.Stop(3 * time.Second) })
	var addr string
	select {
	case addr = <-metricsAddr:
	case <-cam.Done():
		t.Fatalf("%s: %s", cam.ExitReason(), cam.Tail())
	case <-ctx.Done():
		t.Fatal("the camera did not start")
	}
	o.scrape = func() map[string]float64 {
		m, err := probe.Scrape(ctx, network.HTTPClient(sender.NS), "http://"+addr+"/metrics")
		require.NoError(t, err)
		return m
	}
	select {
	case <-joined:
	case <-time.After(20 * time.Second):
		t.Fatal("the camera did not join its room")
	}
	o.viewer = joinNSViewer(ctx, t, "ws://"+localLn.Addr().String()+"/ws", viewerSide.NS.Path(), room)
	require.Eventually(t, func() bool { return o.viewer.frames.Load() > 0 }, 20*time.Second, 50*time.Millisecond, "no frame through the link")
	o.first = time.Now()
	return o
}

func (o *over3G) sample() linkSample {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := linkSample{at: time.Now(), rxBytes: o.viewer.bytes.Load(), rxFrames: o.viewer.frames.Load()}
	if o.lastReport != nil {
		for _, l := range o.lastReport.Links {
			if l.Name == "sender" {
				s.sentBytes, s.queuedBytes = l.Up.SentBytes, l.Up.QueuedBytes
			}
		}
	}
	return s
}

// waitAdapted samples twice a second until, for three samples in a row, the
// camera sent below the link's rate over the last two seconds, its target is
// below it, the uplink's queue is under 200 ms and 5 fps or more arrived; it
// fails when that has not happened within d of the first frame.
func (o *over3G) waitAdapted(d time.Duration) {
	t := o.t
	adapted := 0
	for time.Since(o.first) < d && adapted < 3 {
		time.Sleep(500 * time.Millisecond)
		o.history = append(o.history, o.sample())
		if len(o.history) < 5 {
			continue
		}
		a, b := o.history[len(o.history)-5], o.history[len(o.history)-1] // two seconds
		dt := b.at.Sub(a.at).Seconds()
		sendBps := float64(b.sentBytes-a.sentBytes) * 8 / dt
		queueMs := float64(b.queuedBytes) * 8 / o.linkBps * 1000
		m := o.scrape()
		target := m[contract.MetricCameraTargetBitrate]
		t.Logf("%4.1f s after the first frame: camera sends %4.0f kbit/s (target %4.0f, estimate %4.0f), uplink queue %4.0f ms, viewer gets %4.0f kbit/s at %4.1f fps, %vx%v@%v",
			time.Since(o.first).Seconds(), sendBps/1000, target/1000, m["echtzeit_camera_estimated_bandwidth_bps"]/1000, queueMs,
			float64(b.rxBytes-a.rxBytes)*8/dt/1000, float64(b.rxFrames-a.rxFrames)/dt,
			m["echtzeit_camera_stream_width"], m["echtzeit_camera_stream_height"], m["echtzeit_camera_stream_fps"])
		if sendBps < o.linkBps && target < o.linkBps && queueMs < 200 && b.rxFrames-a.rxFrames >= 10 {
			adapted++
		} else {
			adapted = 0
		}
	}
	require.Equal(t, 3, adapted, "the camera did not adapt to the 768 kbit/s uplink within %s of the first frame (for a second)", d)
}

// TestAdaptsToThe3GLink streams 960x540 VP8 (1.24 Mbit/s by default; 540p
// rather than 720p keeps the race-enabled camera process fast enough) through
// the 3g profile's uplink (768 kbit/s, 75 ms, 1 % loss, a queue of 1,000
// packets: 12 s of it). Within 10 s of the first frame, and for a second,
// the camera must send below the link's rate, its target must be below it and
// the uplink's queue must be under 200 ms, while the video goes on; lost
// packets are sent again and arrive.
func TestAdaptsToThe3GLink(t *testing.T) {
	requireNamespaces(t)
	ctx := testContext(t, 90*time.Second)
	o := startOver3G(t, ctx, cameraSpec{Format: camera.Format{Width: 960, Height: 540, FPS: 30, Codec: camera.CodecVP8}})
	o.waitAdapted(10 * time.Second)
	m := o.scrape()
	assert.Equal(t, 1.0, m[`echtzeit_camera_adaptation_info{mode="live"}`])
	// 1 % loss: the viewer asks for packets again, the camera sends them and
	// they arrive (a loss comes every couple of seconds at these rates).
	v := o.viewer
	require.Eventually(t, func() bool {
		m = o.scrape()
		return m["echtzeit_camera_nacks_total"] > 0 && m["echtzeit_camera_retransmitted_packets_total"] > 0 && v.late.Load() > 0
	}, 20*time.Second, 200*time.Millisecond, "no retransmission arrived: NACKs %v, sent again %v, arrived %d",
		m["echtzeit_camera_nacks_total"], m["echtzeit_camera_retransmitted_packets_total"], v.late.Load())
	t.Logf("NACKs %v for %v packets, %v sent again, %d arrived late at the viewer",
		m["echtzeit_camera_nacks_total"], m["echtzeit_camera_nacked_packets_total"], m["echtzeit_camera_retransmitted_packets_total"], v.late.Load())
}

// TestRpicamRestartsOnThe3GLink: a pass-through camera (camera/passthrough's
// stand-in for rpicam-vid: ffmpeg's x264 at the -b it is given) starts at
// 1280x720 and 2.2 Mbit/s over the 3g uplink; the camera starts rpicam-vid
// again with a -b from the estimate (the first time as soon as the estimate
// has held for a second, then at most every 5 s), after which it sends below
// the link's rate and the queue of the first seconds drains.
func TestRpicamRestartsOnThe3GLink(t *testing.T) {
	requireNamespaces(t)
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("the rpicam-vid stand-in needs ffmpeg")
	}
	_, here, _, _ := runtime.Caller(0) // the stand-in lives next to this file's package
	standin := filepath.Join(filepath.Dir(here), "passthrough", "testdata", "rpicam-vid-standin.sh")
	require.FileExists(t, standin)
	ctx := testContext(t, 90*time.Second)
	o := startOver3G(t, ctx, cameraSpec{
		Format:        camera.Format{Width: 1280, Height: 720, FPS: 30, Codec: camera.CodecH264, Bitrate: 2_200_000},
		RpicamCommand: strings.Replace(passthrough.DefaultRpicamCommand, "rpicam-vid", standin, 1),
	})
	o.waitAdapted(15 * time.Second)
	m := o.scrape()
	assert.Equal(t, 1.0, m[`echtzeit_camera_adaptation_info{mode="restart"}`])
	assert.GreaterOrEqual(t, m[`echtzeit_camera_adaptation_restarts_total{reason="bitrate"}`], 1.0)
	o.mu.Lock()
	defer o.mu.Unlock()
	var rates []string
	for _, l := range o.camLines {
		if strings.Contains(l, `msg="starting camera process"`) {
			_, after, _ := strings.Cut(l, "bitrate=")
			rates = append(rates, strings.Fields(after)[0])
		}
	}
	t.Logf("rpicam-vid started with -b %v", rates)
	require.GreaterOrEqual(t, len(rates), 2, "rpicam-vid was not started again")
	bps := make([]float64, len(rates))
	for i, r := range rates {
		v, err := strconv.Atoi(r)
		require.NoError(t, err)
		bps[i] = float64(v)
	}
	assert.InDelta(t, 0.9*2_200_000, bps[0], 1, "at the start the estimate is the format's bitrate: 90 % of it")
	assert.Less(t, bps[len(bps)-1], o.linkBps, "the last start is below the link's rate")
}
