package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"echtzeit/camera"
	"echtzeit/camera/passthrough"
	"echtzeit/camera/softenc"
	"echtzeit/camera/synthetic"
	"echtzeit/camera/v4l2"
	"echtzeit/internal/contract"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
)

// options are the command line flags (DESIGN.md "Binaries and their flags").
type options struct {
	signaling      string
	tlsCA          string
	tlsFingerprint string
	tlsInsecure    bool
	room           string
	roomFile       string
	stateDir       string
	source         string
	device         string
	width, height  int
	fps            int
	codec          string
	bitrate        int
	keyframeInt    int
	metricsAddr    string
	iceLoopback    camera.LoopbackMode
	logLevel       string
	rpicamCommand  string
	file           string
	vp8Encoder     string
	vp8CPUUsed     int
	vp8Threads     int
	h264Encoder    string
	h264Preset     string
	h264VBV        time.Duration
	zeroPlayout    bool
	congestion     string
	degradation    string
	codecSet       bool
	ice            iceOptions
	maxViewers     int
	bench          benchOptions
}

const usage = `Usage: camera [flags]

Joins a room on the echtzeit signaling server and streams video over WebRTC to each
viewer that joins it; when the viewer leaves it waits in the room for the next one.
The room ID comes from --room, or from --room-file (default: room-id in the state
directory), which is created with a new random 256-bit ID on first start; the viewer
link is printed then.

Sources:
  synthetic  moving test pattern with a frame code (frame number, capture time)
  v4l2       a Linux camera (--device), encoded in software
  rpicam     Raspberry Pi camera via rpicam-vid, hardware H.264 passed through
  file       an H.264 (.h264) or VP8 (.ivf) clip (--file), passed through, looped
synthetic and v4l2 encode with libvpx (vp8) or x264 (h264) and need a cgo build.

Adapting to the link (--congestion-control gcc, the default): the camera estimates
each viewer's bandwidth and sets the encoder's bitrate from it (synthetic, v4l2),
lowers size or frame rate below what the format needs (--degradation), restarts
rpicam-vid with a new -b when the estimate moves a lot; a file clip cannot adapt.
/metrics says which (echtzeit_camera_source_adapts) and gives the estimate, the
target and the encoder's configured bitrate.

Flags:
`

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("camera", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.signaling, "signaling", "wss://127.0.0.1:8443/ws", "signaling server WebSocket URL (wss:// or ws://); several comma-separated (the nodes of a cluster) are tried in turn")
	fs.StringVar(&o.tlsCA, "tls-ca", "", "PEM file with the CA (or self-signed certificate) to trust for the server")
	fs.StringVar(&o.tlsFingerprint, "tls-fingerprint", "", "SHA-256 of the server certificate (hex) to pin instead of a CA")
	fs.BoolVar(&o.tlsInsecure, "tls-insecure", false, "do not verify the server certificate (testing only)")
	fs.StringVar(&o.room, "room", "", "room ID (64 hex characters); overrides --room-file")
	fs.StringVar(&o.roomFile, "room-file", "", "file holding the room ID, created on first start (default <state-dir>/room-id)")
	fs.StringVar(&o.stateDir, "state-dir", "", "state directory (default $XDG_STATE_HOME/echtzeit or ~/.local/state/echtzeit)")
	fs.StringVar(&o.source, "source", "synthetic", "video source: synthetic, v4l2, rpicam or file")
	fs.StringVar(&o.device, "device", "/dev/video0", "V4L2 device for --source v4l2")
	fs.IntVar(&o.width, "width", 1280, "frame width in pixels")
	fs.IntVar(&o.height, "height", 720, "frame height in pixels")
	fs.IntVar(&o.fps, "fps", 30, "frames per second")
	fs.StringVar(&o.codec, "codec", camera.CodecVP8, "codec: vp8 or h264 (pass-through sources use their own)")
	fs.IntVar(&o.bitrate, "bitrate", 0, "bitrate in bit/s, the most the bandwidth estimate may give (0: 0.08 bit per pixel and frame)")
	fs.IntVar(&o.keyframeInt, "keyframe-interval", 0, "frames between key frames (0: two seconds)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", ":9101", `Prometheus /metrics listen address ("" or "off" disables)`)
	fs.Var(&o.iceLoopback, "ice-loopback", "gather loopback ICE candidates: auto (default) does when no other interface has a usable address\n"+
		"or the --signaling host is a loopback address (one machine, a network namespace with only lo) and logs it;\n"+
		"--ice-loopback (=true) always, --ice-loopback=false never")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&o.rpicamCommand, "rpicam-command", "", "command template for --source rpicam (default: rpicam-vid with the format's size, rate and bitrate)")
	fs.StringVar(&o.file, "file", "", "clip for --source file (.h264 or .ivf)")
	fs.StringVar(&o.vp8Encoder, "vp8-encoder", "libvpx", "VP8 encoder: libvpx (own binding, tunable) or mediadevices (pion/mediadevices' default settings)")
	fs.IntVar(&o.vp8CPUUsed, "vp8-cpu-used", -6, "libvpx cpu-used for --vp8-encoder libvpx (-16…16; larger magnitude = faster, lower quality)")
	fs.IntVar(&o.vp8Threads, "vp8-threads", 1, "libvpx encoder threads for --vp8-encoder libvpx")
	fs.StringVar(&o.h264Encoder, "h264-encoder", "x264", "H.264 encoder: x264 (own binding: Constrained Baseline, quiet) or mediadevices (High profile)")
	fs.StringVar(&o.h264Preset, "h264-preset", "veryfast", "x264 preset for --h264-encoder x264 (ultrafast … veryslow)")
	o.ice.addFlags(fs)
	fs.DurationVar(&o.h264VBV, "h264-vbv", 0, "x264 rate-control buffer (VBV) as time at the bitrate for --h264-encoder x264 (0: 1s at a fixed bitrate, two frames while the bitrate follows the bandwidth estimate): shorter = more even frame sizes (a shorter jitter buffer at the viewer) but a bitrate below the target")
	fs.BoolVar(&o.zeroPlayout, "zero-playout-delay", false, "ask viewers to show frames without playout delay (RTP playout-delay extension, min = max = 0): less latency, less smoothing")
	fs.StringVar(&o.congestion, contract.CameraFlagCongestionControl, "gcc", "gcc (estimate the bandwidth, adapt bitrate, size and frame rate) or off (always the format's bitrate)")
	fs.StringVar(&o.degradation, "degradation", "balanced", "below the bitrate a format needs, lower: balanced (size, then size and frame rate), maintain-framerate (size only), maintain-resolution (frame rate only) or disabled (neither)")
	fs.IntVar(&o.maxViewers, "max-viewers", camera.DefaultLimits().MaxSessions, "viewer sessions at once; one more is told camera-busy")
	registerBenchmarkFlags(fs, &o.bench)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q (see --help)", fs.Args())
	}
	if o.maxViewers < 1 {
		return o, fmt.Errorf("--max-viewers %d: want at least 1", o.maxViewers)
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "codec" {
			o.codecSet = true
		}
	})
	return o, nil
}

// clientOptions turns the TLS flags into signaling client options.
func (o options) clientOptions(logger *slog.Logger) ([]client.Option, error) {
	opts := []client.Option{client.WithLogger(logger)}
	n := 0
	// Check the files and values now: Dial would fail on them at every attempt,
	// and a reconnect loop is for network faults, not for configuration errors.
	if o.tlsCA != "" {
		pem, err := os.ReadFile(o.tlsCA)
		if err != nil {
			return nil, fmt.Errorf("--tls-ca: %w", err)
		}
		if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-ca %s: no PEM certificate found", o.tlsCA)
		}
		opts = append(opts, client.WithCAFile(o.tlsCA))
		n++
	}
	if o.tlsFingerprint != "" {
		if _, err := client.ParseFingerprint(o.tlsFingerprint); err != nil {
			return nil, fmt.Errorf("--tls-fingerprint: %w", err)
		}
		opts = append(opts, client.WithFingerprint(o.tlsFingerprint))
		n++
	}
	if o.tlsInsecure {
		opts = append(opts, client.WithInsecureSkipVerify())
		n++
	}
	if n > 1 {
		return nil, errors.New("--tls-ca, --tls-fingerprint and --tls-insecure exclude each other")
	}
	return opts, nil
}

// roomID returns the room from --room or the room file, and whether it was created.
func (o options) roomID() (protocol.RoomID, string, bool, error) {
	if o.room != "" {
		id, err := protocol.ParseRoomID(o.room)
		if err != nil {
			return "", "", false, fmt.Errorf("--room: %w", err)
		}
		return id, "", false, nil
	}
	path := o.roomFile
	if path == "" {
		dir := o.stateDir
		if dir == "" {
			var err error
			if dir, err = camera.DefaultStateDir(); err != nil {
				return "", "", false, err
			}
		}
		path = filepath.Join(dir, camera.RoomFileName)
	}
	id, created, err := camera.LoadOrCreateRoomID(path)
	return id, path, created, err
}

// viewerLink is the page URL for room on the server of signalingURL:
// wss://host:8443/ws → https://host:8443/?room=ID.
func viewerLink(signalingURL string, room protocol.RoomID) (string, error) {
	link, err := camera.ServerURL(signalingURL, "/", "room="+string(room))
	if err != nil {
		return "", fmt.Errorf("--signaling: %w", err)
	}
	return link, nil
}

// encoderOptions turns the encoder flags into softenc options.
func (o options) encoderOptions() ([]softenc.Option, error) {
	var opts []softenc.Option
	switch o.vp8Encoder {
	case "libvpx":
		if o.vp8CPUUsed < -16 || o.vp8CPUUsed > 16 {
			return nil, fmt.Errorf("--vp8-cpu-used %d: want -16…16", o.vp8CPUUsed)
		}
		if o.vp8Threads < 1 || o.vp8Threads > 16 {
			return nil, fmt.Errorf("--vp8-threads %d: want 1…16", o.vp8Threads)
		}
		opts = append(opts, softenc.WithVP8Tuning(o.vp8CPUUsed, o.vp8Threads))
	case "mediadevices":
	default:
		return nil, fmt.Errorf("--vp8-encoder %q: want libvpx or mediadevices", o.vp8Encoder)
	}
	switch o.h264Encoder {
	case "x264":
		if !slices.Contains(softenc.H264Presets, o.h264Preset) {
			return nil, fmt.Errorf("--h264-preset %q: want one of %s", o.h264Preset, strings.Join(softenc.H264Presets, ", "))
		}
		if o.h264VBV != 0 && (o.h264VBV < time.Millisecond || o.h264VBV > 10*time.Second) {
			return nil, fmt.Errorf("--h264-vbv %s: want 0 (automatic) or 1ms…10s", o.h264VBV)
		}
		opts = append(opts, softenc.WithH264Tuning(o.h264Preset, 0), softenc.WithH264VBV(o.h264VBV))
	case "mediadevices":
	default:
		return nil, fmt.Errorf("--h264-encoder %q: want x264 or mediadevices", o.h264Encoder)
	}
	return opts, nil
}

// buildSource makes the source named by --source.
func (o options) buildSource(logger *slog.Logger, m *camera.Metrics) (camera.EncodedSource, error) {
	encOpts, err := o.encoderOptions()
	if err != nil {
		return nil, err
	}
	switch o.source {
	case "synthetic":
		return softenc.New(synthetic.Source{}, o.codec, logger.With("source", "synthetic"), m, encOpts...)
	case "v4l2":
		return softenc.New(v4l2.New(o.device), o.codec, logger.With("source", "v4l2"), m, encOpts...)
	case "rpicam":
		return passthrough.NewRpicam(passthrough.RpicamConfig{Command: o.rpicamCommand, Metrics: m}, logger.With("source", "rpicam")), nil
	case "file":
		if o.file == "" {
			return nil, errors.New("--source file needs --file")
		}
		return passthrough.NewFile(o.file, logger.With("source", "file"))
	}
	return nil, fmt.Errorf("--source %q: want synthetic, v4l2, rpicam or file", o.source)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	codec, err := camera.ParseCodec(o.codec)
	if err != nil {
		return fmt.Errorf("--codec: %w", err)
	}
	o.codec = codec
	if o.congestion != "gcc" && o.congestion != "off" {
		return fmt.Errorf("--congestion-control %q: want gcc or off", o.congestion)
	}
	degradation, err := camera.ParseDegradation(o.degradation)
	if err != nil {
		return fmt.Errorf("--degradation: %w", err)
	}
	metrics := camera.NewMetrics()
	src, err := o.buildSource(logger, metrics)
	if err != nil {
		return err
	}
	if !o.codecSet {
		o.codec = src.Codec() // pass-through sources bring their codec
	}
	if o.bench.enabled {
		return runBenchmark(ctx, o.bench, src, o.source, o.format(), metrics, stdout)
	}
	clientOpts, err := o.clientOptions(logger.With("part", "signaling"))
	if err != nil {
		return err
	}
	room, path, created, err := o.roomID()
	if err != nil {
		return err
	}
	link, err := viewerLink(o.signaling, room)
	if err != nil {
		return err
	}
	if created { // the one place the room ID is printed (DESIGN.md "Hostile peers")
		fmt.Fprintf(stdout, "New room ID %s (stored in %s)\nViewer link: %s\n", room, path, link)
	}

	api, ice, err := o.webrtc(clientOpts, logger, metrics)
	if err != nil {
		return err
	}
	cam, err := camera.New(camera.Config{
		SignalingURL:  o.signaling,
		ClientOptions: clientOpts,
		Room:          room,
		Source:        src,
		SourceName:    o.source,
		Format:        o.format(),
		API:           api,
		Degradation:   degradation,
		ICE:           ice,
		Logger:        logger,
		Metrics:       metrics,
		Limits:        camera.Limits{MaxSessions: o.maxViewers},
	})
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopMetrics, err := metrics.Serve(o.metricsAddr, logger, cancel)
	if err != nil {
		return err
	}
	err = cam.Run(ctx)
	logger.Info("camera stopped")
	return errors.Join(err, stopMetrics())
}
