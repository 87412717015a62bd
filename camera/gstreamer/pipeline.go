package gstreamer

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"echtzeit/camera"
)

// Sources of the sender.
const (
	// SourceSynthetic is the project's moving pattern with the frame code
	// (camera/synthetic), pushed through an appsrc.
	SourceSynthetic = "synthetic"
	// SourceTestSrc is GStreamer's videotestsrc is-live=true, as in the thesis.
	SourceTestSrc = "videotestsrc"
)

// H.264 encoders.
const (
	EncoderX264     = "x264"     // x264enc tune=zerolatency speed-preset=ultrafast
	EncoderOpenH264 = "openh264" // openh264enc
)

// Payload types this sender offers (the echtzeit camera's, camera/webrtc.go).
const (
	payloadTypeVP8  = 96
	payloadTypeH264 = 102
)

// PipelineConfig is everything a session's pipeline depends on.
type PipelineConfig struct {
	Source string        // SourceSynthetic or SourceTestSrc
	Format camera.Format // size, rate, codec, bitrate (0: camera's default), key frame interval
	// PayloadType of the RTP stream: the offer's when answering, else the default.
	PayloadType int
	// H264Encoder is EncoderX264 (default) or EncoderOpenH264.
	H264Encoder string
	// EncoderOptions are extra properties of the encoder element, e.g.
	// "cpu-used=4 threads=2".
	EncoderOptions string
}

// property is a GStreamer property assignment without pipeline syntax in it.
var property = regexp.MustCompile(`^[a-z][a-z0-9-]*=[A-Za-z0-9_.+-]+$`)

// Validate checks the configuration; messages name the setting.
func (c PipelineConfig) Validate() error {
	var errs []error
	if c.Source != SourceSynthetic && c.Source != SourceTestSrc {
		errs = append(errs, fmt.Errorf("'source' %q: want %s or %s", c.Source, SourceSynthetic, SourceTestSrc))
	}
	if err := c.Format.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.PayloadType < 0 || c.PayloadType > 127 {
		errs = append(errs, fmt.Errorf("'payload type' %d: want 0–127", c.PayloadType))
	}
	switch c.H264Encoder {
	case "", EncoderX264, EncoderOpenH264:
	default:
		errs = append(errs, fmt.Errorf("'h264-encoder' %q: want %s or %s", c.H264Encoder, EncoderX264, EncoderOpenH264))
	}
	for _, p := range strings.Fields(c.EncoderOptions) {
		if !property.MatchString(p) {
			errs = append(errs, fmt.Errorf("'encoder-options': %q is not a property=value", p))
		}
	}
	return errors.Join(errs...)
}

// bitrate is the format's bitrate, or the camera's default of 0.08 bit per
// pixel and frame (DESIGN.md "Binaries and their flags").
func bitrate(f camera.Format) int {
	if f.Bitrate > 0 {
		return f.Bitrate
	}
	return int(0.08 * float64(f.Width*f.Height*f.FPS))
}

// keyframeInterval is the format's, or two seconds of frames.
func keyframeInterval(f camera.Format) int {
	if f.KeyframeInterval > 0 {
		return f.KeyframeInterval
	}
	return 2 * f.FPS
}

// Describe returns the pipeline in gst-launch syntax. Elements the binding looks
// for: src (the appsrc, synthetic source only), enc, pay, webrtc.
func (c PipelineConfig) Describe() (string, error) {
	if err := c.Validate(); err != nil {
		return "", fmt.Errorf("pipeline: %w", err)
	}
	f := c.Format
	pt := c.PayloadType
	if pt == 0 {
		pt = defaultPayloadType(f.Codec)
	}
	var b strings.Builder
	switch c.Source {
	case SourceSynthetic:
		// block=true with one buffer: the frame reader waits for the encoder and
		// skips frame slots when it falls behind, as the echtzeit camera does.
		b.WriteString("appsrc name=src is-live=true format=time do-timestamp=true block=true max-buffers=1 ! ")
	case SourceTestSrc:
		fmt.Fprintf(&b, "videotestsrc is-live=true ! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! ", f.Width, f.Height, f.FPS)
	}
	extra := ""
	if o := strings.Join(strings.Fields(c.EncoderOptions), " "); o != "" {
		extra = " " + o
	}
	rate, key := bitrate(f), keyframeInterval(f)
	switch f.Codec {
	case camera.CodecVP8:
		fmt.Fprintf(&b, "vp8enc name=enc deadline=1 target-bitrate=%d keyframe-max-dist=%d%s ! ", rate, key, extra)
		fmt.Fprintf(&b, "rtpvp8pay name=pay pt=%d mtu=1200 picture-id-mode=15-bit ! ", pt)
		fmt.Fprintf(&b, "application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=%d ! ", pt)
	case camera.CodecH264:
		if c.H264Encoder == EncoderOpenH264 {
			fmt.Fprintf(&b, "openh264enc name=enc bitrate=%d gop-size=%d complexity=low rate-control=bitrate usage-type=camera%s ! ", rate, key, extra)
		} else {
			fmt.Fprintf(&b, "x264enc name=enc tune=zerolatency speed-preset=ultrafast bitrate=%d key-int-max=%d%s ! ", max(rate/1000, 1), key, extra)
		}
		b.WriteString("video/x-h264,profile=constrained-baseline,stream-format=byte-stream ! ")
		fmt.Fprintf(&b, "rtph264pay name=pay pt=%d mtu=1200 config-interval=-1 aggregate-mode=zero-latency ! ", pt)
		fmt.Fprintf(&b, "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=%d,packetization-mode=(string)1 ! ", pt)
	}
	b.WriteString("webrtcbin name=webrtc bundle-policy=max-bundle")
	return b.String(), nil
}

// bitrateProperty is the encoder's bitrate property and its value for c.Format.
func (c PipelineConfig) bitrateProperty() (string, int) {
	rate := bitrate(c.Format)
	switch {
	case c.Format.Codec == camera.CodecVP8:
		return "target-bitrate", rate
	case c.H264Encoder == EncoderOpenH264:
		return "bitrate", rate
	}
	return "bitrate", max(rate/1000, 1) // x264enc: kbit/s
}

func defaultPayloadType(codec string) int {
	if codec == camera.CodecH264 {
		return payloadTypeH264
	}
	return payloadTypeVP8
}
