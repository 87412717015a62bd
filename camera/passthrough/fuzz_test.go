package passthrough

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzAnnexB feeds arbitrary bytes through the NAL reader, the access-unit
// assembler and the SPS parser: no panic, and the units it hands out are
// well-formed.
func FuzzAnnexB(f *testing.F) {
	for _, clip := range []string{clipAUD, clipSlices} {
		b := readClip(f, clip)
		f.Add(b[:min(len(b), 4096)])
	}
	f.Add([]byte{0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x65, 0x88, 0, 0, 3, 1})
	f.Add([]byte{0, 0, 1})
	f.Add([]byte{0, 0, 0, 0, 0, 1, 0x67, 0x42})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewNALReader(bytes.NewReader(data), WithMaxNALSize(1<<16))
		var a AccessUnitAssembler
		total := 0
		for {
			n, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return
			}
			if len(n.Data) == 0 || n.Data[len(n.Data)-1] == 0 {
				t.Fatalf("malformed unit %x", n.Data)
			}
			if bytes.Contains(n.Data, []byte{0, 0, 1}) {
				t.Fatalf("start code inside unit %x", n.Data)
			}
			total += len(n.Data)
			if total > len(data) {
				t.Fatalf("read %d bytes of units from %d bytes", total, len(data))
			}
			if n.Type() == NALSPS {
				_, _ = ParseSPS(n.Data)
			}
			au, ok, err := a.Push(n)
			if ok && len(au.NALs) == 0 {
				t.Fatal("empty access unit")
			}
			if err != nil {
				return
			}
		}
		a.Flush()
	})
}

// FuzzParseSPS parses arbitrary sequence parameter sets.
func FuzzParseSPS(f *testing.F) {
	aus := accessUnits(f, readClip(f, clipSlices))
	f.Add(aus[0].SPS)
	f.Add([]byte{0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSPS(append([]byte{0x67}, data...))
		if err == nil && (s.Width <= 0 || s.Height <= 0) {
			t.Fatalf("accepted an SPS without a picture: %+v", s)
		}
	})
}

// FuzzIVF reads arbitrary IVF streams.
func FuzzIVF(f *testing.F) {
	b := readClip(f, clipVP8)
	f.Add(b[:min(len(b), 4096)])
	f.Add(b[:32])
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewIVFReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for range 10_000 {
			fr, err := r.Next()
			if err != nil {
				return
			}
			if len(fr.Data) == 0 {
				t.Fatal("empty frame")
			}
		}
	})
}
