package passthrough

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIVFReader(t *testing.T) {
	r, err := NewIVFReader(bytes.NewReader(readClip(t, clipVP8)))
	require.NoError(t, err)
	h := r.Header()
	assert.Equal(t, "VP80", h.FourCC)
	assert.Equal(t, 160, h.Width)
	assert.Equal(t, 120, h.Height)
	assert.InDelta(t, 15.0, h.FPS(), 1e-9)
	var keys []int
	n := 0
	for ; ; n++ {
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		require.NotEmpty(t, f.Data)
		assert.Equal(t, uint64(n), f.Timestamp)
		if VP8Keyframe(f.Data) {
			keys = append(keys, n)
		}
	}
	assert.Equal(t, 30, n)
	assert.Equal(t, []int{0, 15}, keys)
}

func TestIVFReaderBroken(t *testing.T) {
	clip := readClip(t, clipVP8)
	header := func(mut func([]byte)) []byte {
		b := bytes.Clone(clip[:32])
		mut(b)
		return b
	}
	hugeFrame := append(bytes.Clone(clip[:32]), make([]byte, 12)...)
	binary.LittleEndian.PutUint32(hugeFrame[32:], 1<<30)
	zeroFrame := append(bytes.Clone(clip[:32]), make([]byte, 12)...)
	tests := []struct {
		name       string
		in         []byte
		headerErr  bool
		wantFrames int
	}{
		{name: "empty", in: nil, headerErr: true},
		{name: "short header", in: clip[:20], headerErr: true},
		{name: "bad signature", in: header(func(b []byte) { copy(b, "RIFF") }), headerErr: true},
		{name: "bad version", in: header(func(b []byte) { b[4] = 7 }), headerErr: true},
		{name: "bad header length", in: header(func(b []byte) { b[6] = 4 }), headerErr: true},
		{name: "header only", in: clip[:32]},
		{name: "frame header cut", in: clip[:38]},
		{name: "frame cut", in: clip[:len(clip)-5], wantFrames: 29},
		{name: "huge frame", in: hugeFrame},
		{name: "zero frame", in: zeroFrame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewIVFReader(bytes.NewReader(tt.in))
			if tt.headerErr {
				require.ErrorIs(t, err, ErrInvalidIVF)
				return
			}
			require.NoError(t, err)
			n := 0
			for {
				_, err = r.Next()
				if err != nil {
					break
				}
				n++
			}
			assert.Equal(t, tt.wantFrames, n)
			if len(tt.in) == 32 {
				require.ErrorIs(t, err, io.EOF)
			} else {
				require.ErrorIs(t, err, ErrInvalidIVF)
			}
		})
	}
}
