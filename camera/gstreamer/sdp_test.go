package gstreamer

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
)

// testdata/chromium-156-offer.sdp is the offer of the viewer page in Debian's
// Chromium 156 (recvonly video), logged by this package's browser test.
func TestAnswerCodecChromiumOffer(t *testing.T) {
	sdp, err := os.ReadFile("testdata/chromium-156-offer.sdp")
	require.NoError(t, err)
	codecs, err := parseVideoCodecs(string(sdp))
	require.NoError(t, err)
	require.Len(t, codecs, 34)
	assert.Equal(t, offeredCodec{pt: 96, name: "VP8", clock: 90000, fmtp: map[string]string{}}, codecs[0])

	codec, pt, err := answerCodec(string(sdp), camera.CodecVP8)
	require.NoError(t, err)
	assert.Equal(t, camera.CodecVP8, codec)
	assert.Equal(t, 96, pt)
	codec, pt, err = answerCodec(string(sdp), camera.CodecH264)
	require.NoError(t, err)
	assert.Equal(t, camera.CodecH264, codec)
	assert.Equal(t, 108, pt, "Constrained Baseline with packetization-mode 1")
}

func TestAnswerCodec(t *testing.T) {
	const head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	tests := []struct {
		name      string
		sdp       string
		want      string
		wantCodec string
		wantPT    int
		wantErr   bool
	}{
		{"vp8 only", head + "m=video 9 UDP/TLS/RTP/SAVPF 120\r\na=rtpmap:120 VP8/90000\r\n", camera.CodecVP8, camera.CodecVP8, 120, false},
		{"h264 wanted, only vp8 offered: falls back", head + "m=video 9 UDP/TLS/RTP/SAVPF 120\r\na=rtpmap:120 vp8/90000\r\n", camera.CodecH264, camera.CodecVP8, 120, false},
		{"baseline beats nothing, mode 0 refused", head + "m=video 9 RTP/SAVPF 100 101\r\na=rtpmap:100 H264/90000\r\na=fmtp:100 packetization-mode=0;profile-level-id=42e01f\r\na=rtpmap:101 H264/90000\r\na=fmtp:101 packetization-mode=1;profile-level-id=42001f\r\n", camera.CodecH264, camera.CodecH264, 101, false},
		{"constrained baseline preferred over baseline", head + "m=video 9 RTP/SAVPF 101 102\r\na=rtpmap:101 H264/90000\r\na=fmtp:101 packetization-mode=1;profile-level-id=42001f\r\na=rtpmap:102 H264/90000\r\na=fmtp:102 profile-level-id=42C01F; packetization-mode=1\r\n", camera.CodecH264, camera.CodecH264, 102, false},
		{"high profile only", head + "m=video 9 RTP/SAVPF 41\r\na=rtpmap:41 H264/90000\r\na=fmtp:41 packetization-mode=1;profile-level-id=64001f\r\n", camera.CodecH264, "", 0, true},
		{"audio section ignored", head + "m=audio 9 RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\nm=video 9 RTP/SAVPF 97\r\na=rtpmap:97 VP8/90000\r\n", camera.CodecVP8, camera.CodecVP8, 97, false},
		{"second video section ignored", head + "m=video 9 RTP/SAVPF 97\r\na=rtpmap:97 VP9/90000\r\nm=video 9 RTP/SAVPF 98\r\na=rtpmap:98 VP8/90000\r\n", camera.CodecVP8, "", 0, true},
		{"wrong clock rate", head + "m=video 9 RTP/SAVPF 97\r\na=rtpmap:97 VP8/48000\r\n", camera.CodecVP8, "", 0, true},
		{"no video", head + "m=audio 9 RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n", camera.CodecVP8, "", 0, true},
		{"bad payload type", head + "m=video 9 RTP/SAVPF 300\r\n", camera.CodecVP8, "", 0, true},
		{"LF line ends", strings.ReplaceAll(head+"m=video 9 RTP/SAVPF 99\r\na=rtpmap:99 VP8/90000\r\n", "\r\n", "\n"), camera.CodecVP8, camera.CodecVP8, 99, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codec, pt, err := answerCodec(tt.sdp, tt.want)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantCodec, codec)
			assert.Equal(t, tt.wantPT, pt)
		})
	}
}

// FuzzAnswerCodec: any text is parsed without panicking, and a chosen payload
// type is one of the m-line's, of a codec this sender has.
func FuzzAnswerCodec(f *testing.F) {
	for _, name := range []string{"testdata/chromium-156-offer.sdp", "testdata/webrtcbin-1.22-h264-offer.sdp"} {
		b, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(string(b))
	}
	f.Add("m=video 9 RTP/SAVPF 96\na=rtpmap:96 VP8/90000\n")
	f.Fuzz(func(t *testing.T, sdp string) {
		codecs, err := parseVideoCodecs(sdp)
		codec, pt, aerr := answerCodec(sdp, camera.CodecH264)
		if err != nil {
			require.Error(t, aerr)
			return
		}
		if aerr != nil {
			return
		}
		require.Contains(t, []string{camera.CodecVP8, camera.CodecH264}, codec)
		found := false
		for _, c := range codecs {
			found = found || c.pt == pt
		}
		require.True(t, found, "payload type %d is in the m-line", pt)
	})
}
