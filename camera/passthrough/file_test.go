package passthrough

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
)

var errEnough = errors.New("enough samples")

// playFile streams a clip until pictures pictures were written.
func playFile(t *testing.T, path string, f camera.Format, pictures int) ([]media.Sample, time.Duration) {
	t.Helper()
	src, err := NewFile(path, testLogger(t))
	require.NoError(t, err)
	rec := newRecorder(pictures, errEnough)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	start := time.Now()
	err = src.Stream(ctx, f, rec.write)
	elapsed := time.Since(start)
	require.ErrorIs(t, err, errEnough)
	return rec.all(), elapsed
}

func TestFileH264(t *testing.T) {
	tests := []struct {
		name      string
		clip      string
		keyframes []int
		slices    int
	}{
		{"AUD", clipAUD, []int{0, 15, 30}, 1},
		{"slices", clipSlices, []int{0, 10, 20, 30}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const pictures = 32 // past the end of the 30-frame clip: it loops
			// The Format's 60 fps is ignored: the clip's VUI says 15.
			samples, elapsed := playFile(t, clipPath(tt.clip), camera.Format{FPS: 60}, pictures)
			require.Len(t, samples, pictures)
			var keys []int
			interval := time.Second / 15
			for i, s := range samples {
				if checkAccessUnit(t, i, s) {
					keys = append(keys, i)
				}
				nals, err := SplitAnnexB(s.Data)
				require.NoError(t, err)
				vcl := 0
				for _, n := range nals {
					if ParseNALUnitType(n[0]).IsVCL() {
						vcl++
					}
				}
				assert.Equal(t, tt.slices, vcl, "sample %d", i)
				assert.Equal(t, interval, s.Duration, "sample %d", i)
				if i > 0 {
					assert.Equal(t, interval, s.Timestamp.Sub(samples[i-1].Timestamp), "sample %d", i)
				}
			}
			assert.Equal(t, tt.keyframes, keys)
			assert.Equal(t, samples[0].Data, samples[30].Data, "the clip loops")
			// Pacing waits for each frame's time; it never runs ahead.
			assert.GreaterOrEqual(t, elapsed, time.Duration(pictures-1)*interval)
			t.Logf("%d pictures in %v", pictures, elapsed)
		})
	}
}

func TestFileIVF(t *testing.T) {
	const pictures = 31
	samples, elapsed := playFile(t, clipPath(clipVP8), camera.Format{FPS: 5}, pictures)
	require.Len(t, samples, pictures)
	var keys []int
	for i, s := range samples {
		if VP8Keyframe(s.Data) {
			keys = append(keys, i)
		}
		assert.Equal(t, time.Second/15, s.Duration)
	}
	assert.Equal(t, []int{0, 15, 30}, keys)
	assert.Equal(t, samples[0].Data, samples[30].Data, "the clip loops")
	assert.GreaterOrEqual(t, elapsed, time.Duration(pictures-1)*time.Second/15)
}

// withoutVUI returns the clip with the VUI removed from every SPS, so it
// carries no frame rate.
func withoutVUI(t *testing.T, clip []byte) []byte {
	t.Helper()
	nals, err := SplitAnnexB(clip)
	require.NoError(t, err)
	var out []byte
	for _, n := range nals {
		if ParseNALUnitType(n[0]) == NALSPS {
			sps, err := ParseSPS(n)
			require.NoError(t, err)
			rbsp := unescapeRBSP(n[1:])
			bit := sps.vuiFlagBit
			// vui_parameters_present_flag = 0, then rbsp_stop_one_bit, zero padding.
			rbsp[bit/8] &^= 0x80 >> (bit % 8)
			bit++
			rbsp[bit/8] |= 0x80 >> (bit % 8)
			rbsp[bit/8] &^= 0xff >> (bit%8 + 1)
			rbsp = rbsp[:bit/8+1]
			n = append([]byte{n[0]}, escapeRBSP(rbsp)...)
			again, err := ParseSPS(n)
			require.NoError(t, err)
			require.False(t, again.TimingInfo)
			require.Equal(t, sps.Width, again.Width)
		}
		out = AppendAnnexB(out, n)
	}
	return out
}

// escapeRBSP inserts emulation_prevention_three_byte where needed (§7.4.1).
func escapeRBSP(b []byte) []byte {
	var out []byte
	zeros := 0
	for _, c := range b {
		if zeros >= 2 && c <= 3 {
			out = append(out, 3)
			zeros = 0
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}

func TestFileH264FrameRateFallback(t *testing.T) {
	path := filepath.Join(t.TempDir(), "novui.264")
	require.NoError(t, os.WriteFile(path, withoutVUI(t, readClip(t, clipAUD)), 0o600))
	tests := []struct {
		name string
		fps  int
		want time.Duration
	}{
		{"format's rate", 50, time.Second / 50},
		{"default 30", 0, time.Second / 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			samples, _ := playFile(t, path, camera.Format{FPS: tt.fps}, 5)
			for _, s := range samples {
				assert.Equal(t, tt.want, s.Duration)
			}
		})
	}
}

func TestFileCancel(t *testing.T) {
	src, err := NewFile(clipPath(clipVP8), nil)
	require.NoError(t, err)
	rec := newRecorder(3, nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- src.Stream(ctx, camera.Format{}, rec.write) }()
	select {
	case <-rec.got:
	case <-time.After(30 * time.Second):
		t.Fatal("no 3 frames within 30 s")
	}
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(30 * time.Second):
		t.Fatal("Stream did not return")
	}
}

func TestNewFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		return p
	}
	vp9 := bytes.Clone(readClip(t, clipVP8))
	copy(vp9[8:], "VP90")
	tests := []struct {
		name    string
		path    string
		wantErr error
	}{
		{"extension", write("clip.mp4", []byte("x")), ErrUnsupportedFile},
		{"missing", filepath.Join(dir, "missing.h264"), os.ErrNotExist},
		{"garbage h264", write("garbage.h264", []byte("not a video")), ErrNoStartCode},
		{"empty h264", write("empty.264", nil), ErrEmptyClip},
		{"broken ivf", write("broken.ivf", []byte("RIFF0000")), ErrInvalidIVF},
		{"vp9 ivf", write("vp9.ivf", vp9), ErrUnsupportedFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewFile(tt.path, nil)
			require.ErrorIs(t, err, tt.wantErr)
		})
	}
}

func TestFileEmptyIVF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "header-only.ivf")
	require.NoError(t, os.WriteFile(path, readClip(t, clipVP8)[:32], 0o600))
	src, err := NewFile(path, nil)
	require.NoError(t, err)
	err = src.Stream(t.Context(), camera.Format{}, func(media.Sample) error { return nil })
	require.ErrorIs(t, err, ErrEmptyClip)
}

func TestFileSupportsFormat(t *testing.T) {
	h264, err := NewFile(clipPath(clipAUD), nil)
	require.NoError(t, err)
	vp8, err := NewFile(clipPath(clipVP8), nil)
	require.NoError(t, err)
	assert.Equal(t, "h264", h264.Codec())
	assert.Equal(t, "vp8", vp8.Codec())
	require.NoError(t, h264.SupportsFormat(camera.Format{Width: 1280, Height: 720, FPS: 30, Codec: "h264"}))
	require.ErrorIs(t, h264.SupportsFormat(camera.Format{Codec: "vp8"}), camera.ErrUnsupportedFormat)
	require.ErrorIs(t, vp8.SupportsFormat(camera.Format{Codec: "h264"}), camera.ErrUnsupportedFormat)
}

// TestAdaptation: a clip cannot adapt; rpicam-vid is restarted with a new
// bitrate (camera.Adapter).
func TestAdaptation(t *testing.T) {
	f, err := NewFile(clipPath(clipAUD), testLogger(t))
	require.NoError(t, err)
	assert.Equal(t, camera.AdaptationNone, camera.AdaptationOf(f))
	assert.Equal(t, camera.AdaptationRestart, camera.AdaptationOf(NewRpicam(RpicamConfig{}, nil)))
}
