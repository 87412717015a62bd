//go:build cgo

package softenc

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/camera/framecode"
	"echtzeit/camera/synthetic"
)

// record streams n frames of f from the synthetic source and returns the samples.
// After frame keyAt (if > 0) it asks for a key frame.
func record(t *testing.T, f camera.Format, n, keyAt int, m *camera.Metrics, opts ...Option) []media.Sample {
	t.Helper()
	src, err := New(synthetic.Source{}, f.Codec, nil, m, opts...)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	keyFrames := make(chan struct{}, 1)
	var samples []media.Sample
	err = src.StreamKeyFrames(ctx, f, keyFrames, func(s media.Sample) error {
		samples = append(samples, s)
		if len(samples) == keyAt {
			keyFrames <- struct{}{}
		}
		if len(samples) == n {
			cancel()
		}
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, samples, n)
	return samples
}

// decodeWithFFmpeg decodes the stream to 8-bit luma frames.
func decodeWithFFmpeg(t *testing.T, f camera.Format, samples []media.Sample) []*image.Gray {
	t.Helper()
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not installed; it decodes the encoder's output in this test")
	}
	var buf bytes.Buffer
	name := "stream.h264"
	if f.Codec == camera.CodecVP8 {
		name = "stream.ivf"
		writeIVF(&buf, f, samples)
	} else {
		for _, s := range samples {
			buf.Write(s.Data)
		}
	}
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	out, err := exec.Command(ffmpeg, "-v", "error", "-i", path, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "-").Output()
	require.NoError(t, err)
	size := f.Width * f.Height
	require.Zero(t, len(out)%size, "ffmpeg output is not whole %dx%d frames", f.Width, f.Height)
	var frames []*image.Gray
	for off := 0; off < len(out); off += size {
		frames = append(frames, &image.Gray{Pix: out[off : off+size], Stride: f.Width, Rect: image.Rect(0, 0, f.Width, f.Height)})
	}
	return frames
}

// writeIVF wraps VP8 frames in the IVF container that ffmpeg reads.
func writeIVF(buf *bytes.Buffer, f camera.Format, samples []media.Sample) {
	h := make([]byte, 32)
	copy(h, "DKIF")
	binary.LittleEndian.PutUint16(h[6:], 32)
	copy(h[8:], "VP80")
	binary.LittleEndian.PutUint16(h[12:], uint16(f.Width))
	binary.LittleEndian.PutUint16(h[14:], uint16(f.Height))
	binary.LittleEndian.PutUint32(h[16:], uint32(f.FPS))
	binary.LittleEndian.PutUint32(h[20:], 1)
	binary.LittleEndian.PutUint32(h[24:], uint32(len(samples)))
	buf.Write(h)
	for i, s := range samples {
		fh := make([]byte, 12)
		binary.LittleEndian.PutUint32(fh, uint32(len(s.Data)))
		binary.LittleEndian.PutUint64(fh[4:], uint64(i))
		buf.Write(fh)
		buf.Write(s.Data)
	}
}

func isKeyFrame(codec string, data []byte) bool {
	if codec == camera.CodecVP8 {
		return len(data) > 0 && data[0]&1 == 0
	}
	// Annex-B: look for an IDR NAL unit (type 5).
	for i := 0; i+3 < len(data); i++ {
		if data[i] == 0 && data[i+1] == 0 && data[i+2] == 1 && data[i+3]&0x1f == 5 {
			return true
		}
	}
	return false
}

// spsProfile returns profile_idc and the constraint flags of the first SPS in an
// Annex-B access unit.
func spsProfile(data []byte) (profile, constraints byte, ok bool) {
	for i := 0; i+5 < len(data); i++ {
		if data[i] == 0 && data[i+1] == 0 && data[i+2] == 1 && data[i+3]&0x1f == 7 {
			return data[i+4], data[i+5], true
		}
	}
	return 0, 0, false
}

func TestEncodeSyntheticRoundTrip(t *testing.T) {
	const n, keyAt = 20, 8
	tests := []struct {
		name    string
		f       camera.Format
		opts    []Option
		profile byte // H.264 profile_idc of the SPS; 0: not checked
	}{
		{"mediadevices", camera.Format{Width: 160, Height: 90, FPS: 30, Codec: camera.CodecVP8, KeyframeInterval: 300}, nil, 0},
		{"mediadevices", camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecVP8, Bitrate: 1_000_000, KeyframeInterval: 300}, nil, 0},
		{"libvpx cpu-used -6", camera.Format{Width: 160, Height: 90, FPS: 30, Codec: camera.CodecVP8, KeyframeInterval: 300}, []Option{WithVP8Tuning(-6, 1)}, 0},
		{"libvpx cpu-used -12 2 threads", camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecVP8, Bitrate: 1_000_000, KeyframeInterval: 300}, []Option{WithVP8Tuning(-12, 2)}, 0},
		{"x264 mediadevices", camera.Format{Width: 160, Height: 90, FPS: 30, Codec: camera.CodecH264, KeyframeInterval: 300}, nil, 100},
		{"x264 own baseline", camera.Format{Width: 160, Height: 90, FPS: 30, Codec: camera.CodecH264, KeyframeInterval: 300}, []Option{WithH264Tuning("", 0)}, 66},
		{"x264 own ultrafast 2 threads", camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecH264, Bitrate: 1_000_000, KeyframeInterval: 300}, []Option{WithH264Tuning("ultrafast", 2)}, 66},
		{"x264 mediadevices", camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecH264, Bitrate: 1_000_000, KeyframeInterval: 300}, nil, 100},
	}
	for _, tt := range tests {
		f := tt.f
		t.Run(tt.name+"/"+f.String(), func(t *testing.T) {
			m := camera.NewMetrics()
			samples := record(t, f, n, keyAt, m, tt.opts...)
			assert.True(t, isKeyFrame(f.Codec, samples[0].Data), "the first frame is a key frame")
			if tt.profile != 0 {
				profile, constraints, ok := spsProfile(samples[0].Data)
				require.True(t, ok, "the first access unit has an SPS")
				assert.Equal(t, tt.profile, profile, "profile_idc")
				if profile == 66 {
					assert.NotZero(t, constraints&0x40, "constraint_set1_flag: Constrained Baseline")
				}
			}
			keyframes := 0
			for i, s := range samples[1:] {
				assert.Positive(t, s.Duration, "sample %d", i+1)
				if isKeyFrame(f.Codec, s.Data) {
					keyframes++
					assert.GreaterOrEqual(t, i+1, keyAt, "unrequested key frame at %d", i+1)
				}
			}
			assert.Equal(t, 1, keyframes, "exactly the requested key frame")

			frames := decodeWithFFmpeg(t, f, samples)
			require.Len(t, frames, n)
			prev := -1
			for i, img := range frames {
				c, err := framecode.Decode(img)
				require.NoError(t, err, "frame %d", i)
				assert.Greater(t, int(c.Frame), prev, "frame numbers increase")
				prev = int(c.Frame)
			}
		})
	}
}

func TestNewRejectsCodec(t *testing.T) {
	_, err := New(synthetic.Source{}, "av1", nil, nil)
	require.ErrorIs(t, err, camera.ErrUnsupportedFormat)
}

func TestSupportsFormat(t *testing.T) {
	src, err := New(synthetic.Source{}, camera.CodecVP8, nil, nil)
	require.NoError(t, err)
	tests := []struct {
		name string
		f    camera.Format
		ok   bool
	}{
		{"vp8", camera.Format{Width: 1280, Height: 720, FPS: 30, Codec: camera.CodecVP8}, true},
		{"h264", camera.Format{Width: 160, Height: 90, FPS: 15, Codec: camera.CodecH264}, true},
		{"av1", camera.Format{Width: 160, Height: 90, FPS: 15, Codec: "av1"}, false},
		{"odd", camera.Format{Width: 161, Height: 90, FPS: 15, Codec: camera.CodecVP8}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := src.SupportsFormat(tt.f)
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, camera.ErrUnsupportedFormat)
			}
		})
	}
}
