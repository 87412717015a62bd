package passthrough

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	clipAUD    = "testsrc-160x120-15fps-aud.h264"
	clipSlices = "testsrc-160x120-15fps-slices.h264"
	clipVP8    = "testsrc-160x120-15fps.ivf"
)

func clipPath(name string) string { return filepath.Join("..", "..", "testdata", "media", name) }

func readClip(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(clipPath(name))
	require.NoError(t, err)
	return b
}

// readAll reads every NAL unit of r.
func readAll(r *NALReader) ([][]byte, error) {
	var out [][]byte
	for {
		n, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, n.Data)
	}
}

// accessUnits groups every NAL unit of data into access units.
func accessUnits(t testing.TB, data []byte) []AccessUnit {
	t.Helper()
	r := NewNALReader(bytes.NewReader(data))
	var a AccessUnitAssembler
	var aus []AccessUnit
	for {
		n, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		au, ok, err := a.Push(n)
		require.NoError(t, err)
		if ok {
			aus = append(aus, au)
		}
	}
	if au, ok := a.Flush(); ok {
		aus = append(aus, au)
	}
	return aus
}

func nalTypes(au AccessUnit) []NALUnitType {
	var ts []NALUnitType
	for _, n := range au.NALs {
		ts = append(ts, ParseNALUnitType(n[0]))
	}
	return ts
}

func TestNALReaderChunking(t *testing.T) {
	for _, clip := range []string{clipAUD, clipSlices} {
		data := readClip(t, clip)
		want, err := SplitAnnexB(data)
		require.NoError(t, err)
		require.NotEmpty(t, want)
		readers := map[string]func() io.Reader{
			"whole":    func() io.Reader { return bytes.NewReader(data) },
			"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
			"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
			"data+EOF": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
		}
		for name, mk := range readers {
			t.Run(clip+"/"+name, func(t *testing.T) {
				got, err := readAll(NewNALReader(mk()))
				require.NoError(t, err)
				assert.Equal(t, want, got)
			})
		}
	}
}

func TestNALReaderRoundTrip(t *testing.T) {
	data := readClip(t, clipAUD)
	nals, err := SplitAnnexB(data)
	require.NoError(t, err)
	for _, n := range nals {
		assert.NotZero(t, n[len(n)-1], "a NAL unit never ends in 0x00")
		assert.Equal(t, -1, bytes.Index(n, []byte{0, 0, 1}), "no start code inside a unit")
	}
	// Re-encoding with 4-byte start codes gives back the same units.
	again, err := SplitAnnexB(AppendAnnexB(nil, nals...))
	require.NoError(t, err)
	assert.Equal(t, nals, again)
}

func TestAccessUnits(t *testing.T) {
	tests := []struct {
		name      string
		clip      string
		frames    int
		keyframes []int
		slices    int // VCL NAL units per picture
		first     []NALUnitType
		second    []NALUnitType
	}{
		{
			name: "AUD and repeated headers", clip: clipAUD, frames: 30, keyframes: []int{0, 15}, slices: 1,
			first:  []NALUnitType{NALAUD, NALSPS, NALPPS, NALSEI, NALSliceIDR},
			second: []NALUnitType{NALAUD, NALSlice},
		},
		{
			name: "two slices, no AUD", clip: clipSlices, frames: 30, keyframes: []int{0, 10, 20}, slices: 2,
			first:  []NALUnitType{NALSPS, NALPPS, NALSEI, NALSliceIDR, NALSliceIDR},
			second: []NALUnitType{NALSlice, NALSlice},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aus := accessUnits(t, readClip(t, tt.clip))
			require.Len(t, aus, tt.frames)
			var keys []int
			for i, au := range aus {
				assert.True(t, au.HasVCL, "unit %d", i)
				if au.Keyframe {
					keys = append(keys, i)
					require.NotNil(t, au.SPS, "keyframe %d carries its SPS", i)
					ts := nalTypes(au)
					assert.Subset(t, ts[:len(ts)-tt.slices], []NALUnitType{NALSPS, NALPPS}, "SPS/PPS before keyframe %d", i)
				}
				vcl := 0
				for _, ty := range nalTypes(au) {
					if ty.IsVCL() {
						vcl++
					}
				}
				assert.Equal(t, tt.slices, vcl, "unit %d", i)
			}
			assert.Equal(t, tt.keyframes, keys)
			assert.Equal(t, tt.first, nalTypes(aus[0]))
			assert.Equal(t, tt.second, nalTypes(aus[1]))
			// The sample form is Annex-B again and splits into the same units.
			nals, err := SplitAnnexB(aus[0].AnnexB())
			require.NoError(t, err)
			assert.Equal(t, aus[0].NALs, nals)
		})
	}
}

func TestAccessUnitBoundaries(t *testing.T) {
	idr := func(firstMB byte) []byte { return []byte{0x65, firstMB, 0x11} } // ue(0)=1b, ue(1)=010b
	slice := func(firstMB byte) []byte { return []byte{0x41, firstMB, 0x22} }
	sps := []byte{0x67, 0x42, 0xc0, 0x1e}
	pps := []byte{0x68, 0xce}
	sei := []byte{0x06, 0x05}
	aud := []byte{0x09, 0xf0}
	eos := []byte{0x0a}
	filler := []byte{0x0c, 0xff}
	mb0, mb1 := byte(0x80), byte(0x40) // first_mb_in_slice 0 and 1
	tests := []struct {
		name string
		in   [][]byte
		want []int // NAL units per access unit
	}{
		{"AUD starts every unit", [][]byte{aud, sps, pps, idr(mb0), aud, slice(mb0)}, []int{4, 2}},
		{"parameter sets go with the next picture", [][]byte{idr(mb0), sps, pps, sei, idr(mb0)}, []int{1, 4}},
		{"slices of one picture stay together", [][]byte{slice(mb0), slice(mb1), slice(mb1), slice(mb0)}, []int{3, 1}},
		{"IDR after non-IDR is a new picture", [][]byte{slice(mb0), idr(mb1)}, []int{1, 1}},
		{"end of sequence closes the unit", [][]byte{idr(mb0), eos, idr(mb1)}, []int{2, 1}},
		{"VCL after non-VCL is a new picture", [][]byte{slice(mb0), filler, slice(mb1)}, []int{2, 1}},
		{"trailing parameter sets", [][]byte{idr(mb0), sps, pps}, []int{1, 2}},
		{"AUD twice", [][]byte{aud, aud, slice(mb0)}, []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a AccessUnitAssembler
			var got []int
			for _, n := range tt.in {
				au, ok, err := a.Push(NAL{Data: n})
				require.NoError(t, err)
				if ok {
					got = append(got, len(au.NALs))
				}
			}
			if au, ok := a.Flush(); ok {
				got = append(got, len(au.NALs))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestAccessUnitRejectsBadNAL(t *testing.T) {
	var a AccessUnitAssembler
	_, _, err := a.Push(NAL{})
	require.ErrorIs(t, err, ErrInvalidNAL)
	_, _, err = a.Push(NAL{Data: []byte{0xe5, 0x88}})
	require.ErrorIs(t, err, ErrInvalidNAL)
	assert.Contains(t, err.Error(), "forbidden_zero_bit")
}

func TestAccessUnitLimit(t *testing.T) {
	var a AccessUnitAssembler
	var err error
	for i := 0; i <= maxNALsPerAccessUnit && err == nil; i++ {
		_, _, err = a.Push(NAL{Data: []byte{0x41, 0x40, 0x00}}) // slices with first_mb 1
	}
	require.ErrorIs(t, err, ErrAccessUnitTooLarge)
}

func TestNALReaderBrokenInput(t *testing.T) {
	clip := readClip(t, clipAUD)
	tests := []struct {
		name    string
		in      []byte
		opts    []NALReaderOption
		wantErr error // nil: reads to a clean io.EOF
		minNALs int
	}{
		{name: "empty", in: nil},
		{name: "only a start code", in: []byte{0, 0, 0, 1}},
		{name: "garbage", in: []byte("this is not H.264 at all"), wantErr: ErrNoStartCode},
		{name: "no start code, binary", in: bytes.Repeat([]byte{0xff, 0x12}, 5000), wantErr: ErrNoStartCode},
		{name: "one zero then data", in: []byte{0, 1, 0x67}, wantErr: ErrNoStartCode},
		{name: "only zeros", in: make([]byte, 1000), wantErr: ErrNoStartCode},
		{name: "truncated in the middle", in: clip[:len(clip)/2], minNALs: 10},
		{name: "truncated in a start code", in: append(bytes.Clone(clip[:200]), 0, 0), minNALs: 1},
		{
			name: "huge NAL", in: append([]byte{0, 0, 0, 1, 0x65}, bytes.Repeat([]byte{0xaa}, 300_000)...),
			opts: []NALReaderOption{WithMaxNALSize(100_000)}, wantErr: ErrNALTooLarge,
		},
		{
			name: "huge NAL at the end of a small read", in: append([]byte{0, 0, 1, 0x65}, bytes.Repeat([]byte{0xaa}, 2000)...),
			opts: []NALReaderOption{WithMaxNALSize(1000)}, wantErr: ErrNALTooLarge,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nals, err := readAll(NewNALReader(bytes.NewReader(tt.in), tt.opts...))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.GreaterOrEqual(t, len(nals), tt.minNALs)
		})
	}
}

func TestNALReaderReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(bytes.NewReader([]byte{0, 0, 1, 0x67, 0x42}), iotest.ErrReader(boom))
	_, err := readAll(NewNALReader(r))
	require.ErrorIs(t, err, boom)
}

func TestSplitAnnexBErrors(t *testing.T) {
	_, err := SplitAnnexB([]byte{0x67, 0x42})
	require.ErrorIs(t, err, ErrNoStartCode)
	nals, err := SplitAnnexB(nil)
	require.NoError(t, err)
	assert.Empty(t, nals)
}

func TestParseSPS(t *testing.T) {
	for _, clip := range []string{clipAUD, clipSlices} {
		t.Run(clip, func(t *testing.T) {
			aus := accessUnits(t, readClip(t, clip))
			sps, err := ParseSPS(aus[0].SPS)
			require.NoError(t, err)
			assert.Equal(t, 160, sps.Width)
			assert.Equal(t, 120, sps.Height)
			assert.Equal(t, uint8(66), sps.ProfileIDC)
			assert.True(t, sps.TimingInfo)
			assert.InDelta(t, 15.0, sps.FPS(), 1e-9)
			assert.Equal(t, "42c0", sps.ProfileLevelID()[:4])
		})
	}
}

func TestParseSPSErrors(t *testing.T) {
	aus := accessUnits(t, readClip(t, clipAUD))
	good := aus[0].SPS
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"not an SPS", []byte{0x68, 0x42, 0x00, 0x1e, 0x80}},
		{"header only", good[:4]},
		{"cut before the size", good[:6]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSPS(tt.in)
			require.ErrorIs(t, err, ErrInvalidSPS)
		})
	}
	// Cut inside the VUI: the size survives, the timing does not.
	for cut := len(good) - 1; cut > 4; cut-- {
		sps, err := ParseSPS(good[:cut])
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidSPS)
			continue
		}
		assert.Equal(t, 160, sps.Width, "cut at %d", cut)
	}
}

func TestNALUnitTypeString(t *testing.T) {
	tests := []struct {
		in   NALUnitType
		want string
	}{
		{NALUnknown, "Unspecified"},
		{NALSliceIDR, "SliceIDR"},
		{NALSPS, "SPS"},
		{NALAUD, "AUD"},
		{NALUnitType(23), "NAL(23)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.in.String())
	}
	assert.Equal(t, NALSliceIDR, ParseNALUnitType(0x65))
	assert.Equal(t, NALSPS, ParseNALUnitType(0x67))
	assert.True(t, NALSliceIDR.IsVCL())
	assert.False(t, NALSEI.IsVCL())
}

func TestBitReaderExpGolomb(t *testing.T) {
	// 1 | 010 | 011 | 00100 | 00101 → ue 0, 1, 2, 3, 4; as se: 0, 1, -1, 2, -2.
	data := []byte{0b10100110, 0b01000010, 0b10000000}
	r := newBitReader(data)
	for _, want := range []uint32{0, 1, 2, 3, 4} {
		v, err := r.ue()
		require.NoError(t, err)
		assert.Equal(t, want, v)
	}
	r = newBitReader(data)
	for _, want := range []int32{0, 1, -1, 2, -2} {
		v, err := r.se()
		require.NoError(t, err)
		assert.Equal(t, want, v)
	}
	_, err := newBitReader([]byte{0, 0, 0, 0, 0}).ue()
	require.Error(t, err)
	assert.Equal(t, []byte{0, 0, 1, 0, 0, 0}, unescapeRBSP([]byte{0, 0, 3, 1, 0, 0, 3, 0}))
}
