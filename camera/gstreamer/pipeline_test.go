package gstreamer

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
)

func TestPipelineDescribe(t *testing.T) {
	vp8 := camera.Format{Width: 1280, Height: 720, FPS: 30, Codec: camera.CodecVP8}
	h264 := camera.Format{Width: 320, Height: 180, FPS: 15, Codec: camera.CodecH264, Bitrate: 500_000, KeyframeInterval: 10}
	tests := []struct {
		name     string
		cfg      PipelineConfig
		contains []string
	}{
		{"thesis vp8 from the synthetic source", PipelineConfig{Source: SourceSynthetic, Format: vp8}, []string{
			"appsrc name=src is-live=true format=time do-timestamp=true block=true max-buffers=1 ! ",
			"vp8enc name=enc deadline=1 target-bitrate=2211840 keyframe-max-dist=60 ! ",
			"rtpvp8pay name=pay pt=96 ",
			"encoding-name=VP8,clock-rate=90000,payload=96 ! webrtcbin name=webrtc bundle-policy=max-bundle",
		}},
		{"videotestsrc with encoder options and the offer's payload type", PipelineConfig{Source: SourceTestSrc, Format: vp8, PayloadType: 120, EncoderOptions: " cpu-used=4   threads=2 "}, []string{
			"videotestsrc is-live=true ! video/x-raw,format=I420,width=1280,height=720,framerate=30/1 ! ",
			"keyframe-max-dist=60 cpu-used=4 threads=2 ! ",
			"rtpvp8pay name=pay pt=120 ",
		}},
		{"x264", PipelineConfig{Source: SourceSynthetic, Format: h264}, []string{
			"x264enc name=enc tune=zerolatency speed-preset=ultrafast bitrate=500 key-int-max=10 ! ",
			"video/x-h264,profile=constrained-baseline",
			"rtph264pay name=pay pt=102 ",
			"packetization-mode=(string)1 ! webrtcbin",
		}},
		{"openh264", PipelineConfig{Source: SourceSynthetic, Format: h264, H264Encoder: EncoderOpenH264}, []string{
			"openh264enc name=enc bitrate=500000 gop-size=10 ",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			desc, err := tt.cfg.Describe()
			require.NoError(t, err)
			for _, c := range tt.contains {
				assert.Contains(t, desc, c)
			}
		})
	}
}

func TestPipelineValidate(t *testing.T) {
	ok := PipelineConfig{Source: SourceSynthetic, Format: camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecVP8}}
	tests := []struct {
		name    string
		change  func(*PipelineConfig)
		message string
	}{
		{"source", func(c *PipelineConfig) { c.Source = "v4l2" }, "'source'"},
		{"codec", func(c *PipelineConfig) { c.Format.Codec = "av1" }, "'codec'"},
		{"size", func(c *PipelineConfig) { c.Format.Width = 0 }, "'width'"},
		{"payload type", func(c *PipelineConfig) { c.PayloadType = 128 }, "'payload type'"},
		{"h264 encoder", func(c *PipelineConfig) { c.H264Encoder = "nvenc" }, "'h264-encoder'"},
		{"pipeline syntax in encoder options", func(c *PipelineConfig) { c.EncoderOptions = "threads=2 ! fakesink" }, "'encoder-options'"},
		{"quoted value", func(c *PipelineConfig) { c.EncoderOptions = `tuning="x y"` }, "'encoder-options'"},
	}
	require.NoError(t, ok.Validate())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.change(&c)
			err := c.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.message)
			_, err = c.Describe()
			require.Error(t, err)
		})
	}
}

func TestBitrateProperty(t *testing.T) {
	f := camera.Format{Width: 640, Height: 360, FPS: 30}
	tests := []struct {
		codec, encoder string
		prop           string
		value          int
	}{
		{camera.CodecVP8, "", "target-bitrate", 552960},
		{camera.CodecH264, EncoderX264, "bitrate", 552},
		{camera.CodecH264, EncoderOpenH264, "bitrate", 552960},
	}
	for _, tt := range tests {
		f.Codec = tt.codec
		prop, v := PipelineConfig{Format: f, H264Encoder: tt.encoder}.bitrateProperty()
		assert.Equal(t, tt.prop, prop)
		assert.Equal(t, tt.value, v)
	}
}
