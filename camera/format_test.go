package camera

import (
	"context"
	"testing"

	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/protocol"
)

func TestFormatWithRequest(t *testing.T) {
	base := Format{Width: 1280, Height: 720, FPS: 30, Codec: CodecVP8, Bitrate: 2_000_000, KeyframeInterval: 60}
	tests := []struct {
		name string
		req  protocol.FormatRequest
		want Format
		bad  bool
	}{
		{"empty keeps all", protocol.FormatRequest{}, base, false},
		{"codec only", protocol.FormatRequest{Codec: "H264"}, Format{1280, 720, 30, CodecH264, 2_000_000, 60}, false},
		{"smaller scales bitrate", protocol.FormatRequest{Width: 640, Height: 360}, Format{640, 360, 30, CodecVP8, 500_000, 60}, false},
		{"tiny has a floor", protocol.FormatRequest{Width: 160, Height: 90, FPS: 15}, Format{160, 90, 15, CodecVP8, 100_000, 60}, false},
		{"unknown codec", protocol.FormatRequest{Codec: "av1"}, base, true},
		{"odd size", protocol.FormatRequest{Width: 641, Height: 360}, base, true},
		{"negative fps", protocol.FormatRequest{FPS: -1}, base, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := base.WithRequest(tt.req)
			if tt.bad {
				require.ErrorIs(t, err, ErrUnsupportedFormat)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseCodec(t *testing.T) {
	for in, want := range map[string]string{"vp8": CodecVP8, "VP8": CodecVP8, "h264": CodecH264, "H.264": CodecH264} {
		got, err := ParseCodec(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	_, err := ParseCodec("vp9")
	require.ErrorIs(t, err, ErrUnsupportedFormat)
}

func TestFormatValidate(t *testing.T) {
	require.NoError(t, Format{Width: 2, Height: 2, FPS: 1, Codec: CodecH264}.Validate())
	err := Format{Width: 0, FPS: 0, Codec: "x", Bitrate: -1, KeyframeInterval: -1}.Validate()
	require.Error(t, err)
	for _, key := range []string{"'width'", "'fps'", "'codec'", "'bitrate'", "'keyframe-interval'"} {
		assert.Contains(t, err.Error(), key)
	}
}

// h264Only is an EncodedSource without FormatSupporter.
type h264Only struct{}

func (h264Only) Codec() string { return CodecH264 }
func (h264Only) Stream(ctx context.Context, _ Format, _ func(media.Sample) error) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestCheckFormat(t *testing.T) {
	require.NoError(t, CheckFormat(h264Only{}, Format{Width: 640, Height: 480, FPS: 30, Codec: CodecH264}))
	require.ErrorIs(t, CheckFormat(h264Only{}, Format{Width: 640, Height: 480, FPS: 30, Codec: CodecVP8}), ErrUnsupportedFormat)
}
