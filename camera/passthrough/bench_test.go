package passthrough

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// BenchmarkAccessUnits measures the Annex-B reader plus the access-unit
// assembler on a looped real clip (what the rpicam source does per byte of
// rpicam-vid's output). Run under qemu-aarch64-static for a rough idea of
// the cost on a Pi.
func BenchmarkAccessUnits(b *testing.B) {
	clip := readClip(b, clipSlices)
	stream := bytes.Repeat(clip, 64) // ~0.9 MB, 1,920 pictures
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewNALReader(bytes.NewReader(stream))
		var a AccessUnitAssembler
		pictures := 0
		for {
			n, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			au, ok, err := a.Push(n)
			if err != nil {
				b.Fatal(err)
			}
			if ok && au.HasVCL {
				pictures++
				_ = au.AnnexB()
			}
		}
		if pictures != 64*30-1 {
			b.Fatalf("%d pictures", pictures)
		}
	}
}
