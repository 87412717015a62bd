package camera

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsKeyFrame(t *testing.T) {
	for _, tc := range []struct {
		name  string
		codec string
		au    []byte
		want  bool
	}{
		// VP8 frame tags: 0x10 0x02 0x00 is a key frame (show_frame set), 0x31 an inter frame.
		{"vp8 key frame", CodecVP8, []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}, true},
		{"vp8 inter frame", CodecVP8, []byte{0x31, 0x0a, 0x00, 0x11}, false},
		{"vp8 too short", CodecVP8, []byte{0x10}, false},
		{"h264 idr after sps and pps", CodecH264, []byte{0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xce, 0, 0, 1, 0x65, 0x88}, true},
		{"h264 idr alone, 3-byte start code", CodecH264, []byte{0, 0, 1, 0x65, 0x88, 0x84}, true},
		{"h264 sps alone (pass-through)", CodecH264, []byte{0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x29}, true},
		{"h264 non-idr slice", CodecH264, []byte{0, 0, 0, 1, 0x41, 0x9a, 0x00}, false},
		{"h264 aud then non-idr", CodecH264, []byte{0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x41, 0x9a}, false},
		{"h264 start code at the end", CodecH264, []byte{0x41, 0, 0, 1}, false},
		{"h264 nothing", CodecH264, nil, false},
		{"unknown codec", "av1", []byte{0, 0, 1, 0x65}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, IsKeyFrame(tc.codec, tc.au))
		})
	}
}

func FuzzIsKeyFrame(f *testing.F) {
	f.Add(true, []byte{0x10, 0x02, 0x00})
	f.Add(false, []byte{0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x65})
	f.Add(false, []byte{0, 0, 1})
	f.Fuzz(func(t *testing.T, vp8 bool, au []byte) {
		codec := CodecH264
		if vp8 {
			codec = CodecVP8
		}
		IsKeyFrame(codec, au) // must not panic
	})
}
