package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"echtzeit/camera"
	"echtzeit/camera/gstreamer"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
)

// options are the command line flags (DESIGN.md "Binaries and their flags").
type options struct {
	signaling      string
	tls            client.TLSFlags
	room           string
	roomFile       string
	source         string
	width, height  int
	fps            int
	codec          string
	bitrate        int
	keyframeInt    int
	h264Encoder    string
	encoderOptions string
	metricsAddr    string
	iceLoopback    bool
	logLevel       string
	printPipeline  bool
}

const usage = `Usage: gstsender [flags]

The thesis's camera rebuilt for comparison: streams with GStreamer's webrtcbin
(VP8: vp8enc deadline=1; H.264: x264enc tune=zerolatency speed-preset=ultrafast,
or openh264enc) and speaks the echtzeit signaling protocol with the camera's
roles: it joins its room and waits, offers when it was there first, answers a
viewer's offer otherwise, and stays in the room for the next viewer.

Sources:
  synthetic     the camera's moving pattern with the frame code (latency is measurable)
  videotestsrc  GStreamer's test pattern, as in the thesis

Flags:
`

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("gstsender", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.signaling, "signaling", "wss://127.0.0.1:8443/ws", "signaling server WebSocket URL (wss:// or ws://)")
	o.tls.Register(fs)
	fs.StringVar(&o.room, "room", "", "room ID (64 hex characters); overrides --room-file")
	fs.StringVar(&o.roomFile, "room-file", "", "file holding the room ID, created on first start")
	fs.StringVar(&o.source, "source", gstreamer.SourceSynthetic, "video source: synthetic or videotestsrc")
	fs.IntVar(&o.width, "width", 1280, "frame width in pixels")
	fs.IntVar(&o.height, "height", 720, "frame height in pixels")
	fs.IntVar(&o.fps, "fps", 30, "frames per second")
	fs.StringVar(&o.codec, "codec", camera.CodecVP8, "codec: vp8 or h264")
	fs.IntVar(&o.bitrate, "bitrate", 0, "target bitrate in bit/s (0: 0.08 bit per pixel and frame, as the camera)")
	fs.IntVar(&o.keyframeInt, "keyframe-interval", 0, "frames between key frames (0: two seconds)")
	fs.StringVar(&o.h264Encoder, "h264-encoder", gstreamer.EncoderX264, "H.264 encoder: x264 or openh264")
	fs.StringVar(&o.encoderOptions, "encoder-options", "", `extra encoder properties, e.g. "cpu-used=4 threads=2"`)
	fs.StringVar(&o.metricsAddr, "metrics-addr", ":9102", `Prometheus /metrics listen address ("" or "off" disables)`)
	fs.BoolVar(&o.iceLoopback, "ice-loopback", false, "gather ICE candidates on every interface including loopback (one machine, or a network namespace with only lo)")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.BoolVar(&o.printPipeline, "print-pipeline", false, "print the pipeline (gst-launch-1.0 syntax) for the flags and exit")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q (see --help)", fs.Args())
	}
	return o, nil
}

func (o options) pipeline() (gstreamer.PipelineConfig, error) {
	codec, err := camera.ParseCodec(o.codec)
	if err != nil {
		return gstreamer.PipelineConfig{}, fmt.Errorf("--codec: %w", err)
	}
	p := gstreamer.PipelineConfig{
		Source: o.source, H264Encoder: o.h264Encoder, EncoderOptions: o.encoderOptions,
		Format: camera.Format{Width: o.width, Height: o.height, FPS: o.fps, Codec: codec, Bitrate: o.bitrate, KeyframeInterval: o.keyframeInt},
	}
	return p, p.Validate()
}

func (o options) roomID() (protocol.RoomID, error) {
	if o.room != "" {
		id, err := protocol.ParseRoomID(o.room)
		if err != nil {
			return "", fmt.Errorf("--room: %w", err)
		}
		return id, nil
	}
	if o.roomFile == "" {
		return "", errors.New("--room or --room-file must be given")
	}
	id, _, err := camera.LoadOrCreateRoomID(o.roomFile)
	return id, err
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
	pipe, err := o.pipeline()
	if err != nil {
		return err
	}
	if o.printPipeline {
		desc, err := pipe.Describe()
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, desc)
		return nil
	}
	clientOpts, err := o.tls.Options()
	if err != nil {
		return err
	}
	clientOpts = append(clientOpts, client.WithLogger(logger.With("part", "signaling")))
	room, err := o.roomID()
	if err != nil {
		return err
	}
	var addrs []string
	if o.iceLoopback {
		if addrs, err = gstreamer.InterfaceAddresses(); err != nil {
			return fmt.Errorf("--ice-loopback: %w", err)
		}
	}
	metrics := camera.NewMetrics()
	s, err := gstreamer.New(gstreamer.Config{
		SignalingURL: o.signaling, ClientOptions: clientOpts, Room: room,
		Pipeline: pipe, LocalAddresses: addrs, Logger: logger, Metrics: metrics,
	})
	if err != nil {
		return err
	}
	logger.Info("gstsender starting", "room", room, "source", o.source, "format", pipe.Format.String(), "gstreamer", gstreamer.Version())

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopMetrics, err := metrics.Serve(o.metricsAddr, logger, cancel)
	if err != nil {
		return err
	}
	err = s.Run(ctx)
	logger.Info("gstsender stopped")
	return errors.Join(err, stopMetrics())
}
