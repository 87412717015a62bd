package passthrough

import (
	"fmt"
	"time"
)

// Limits of one access unit; a stream beyond them is broken, not large.
const (
	maxNALsPerAccessUnit = 4096
	maxAccessUnitBytes   = 32 << 20
)

// AccessUnit is one coded picture with the non-VCL NAL units that precede it
// (ITU-T H.264 §7.4.1.2.3): AUD, SPS, PPS and SEI travel with the frame that
// follows them, so they never get a sample — or a clock tick — of their own.
type AccessUnit struct {
	// NALs are the units in stream order, without start codes.
	NALs [][]byte
	// Arrival is when the unit's first NAL unit arrived.
	Arrival time.Time
	// Keyframe is true when the unit holds an IDR slice.
	Keyframe bool
	// HasVCL is false only for a trailing group of parameter sets or SEI at the
	// end of a stream.
	HasVCL bool
	// SPS is the last sequence parameter set in the unit, if any.
	SPS []byte
}

// AnnexB returns the access unit as an Annex-B byte stream with 4-byte start
// codes: the form pion's H.264 payloader expects in a media.Sample.
func (au AccessUnit) AnnexB() []byte {
	n := 0
	for _, nal := range au.NALs {
		n += 4 + len(nal)
	}
	return AppendAnnexB(make([]byte, 0, n), au.NALs...)
}

// AccessUnitAssembler groups NAL units into access units. A new access unit
// starts, once the current one holds a VCL NAL unit, with
//   - an AUD (always), SPS, PPS, SEI or a type 13–18 unit,
//   - a VCL NAL unit whose first_mb_in_slice is 0 (a new picture),
//   - a VCL NAL unit whose IdrPicFlag differs from the current picture's,
//   - a VCL NAL unit after End of sequence / End of stream,
//   - a VCL NAL unit that follows a non-VCL unit of the current unit (e.g.
//     filler or a reserved type between two pictures).
//
// It is the simplified detection of §7.4.1.2.4 that camera encoders need
// (no arbitrary slice order, no redundant pictures).
type AccessUnitAssembler struct {
	cur     AccessUnit
	bytes   int
	lastVCL bool // the previous NAL unit of cur was a VCL unit
	closed  bool // cur ended with End of sequence / End of stream
	curIDR  bool
}

// Push adds a NAL unit. When the unit begins a new access unit and the
// current one is complete, Push returns the completed one and true.
func (a *AccessUnitAssembler) Push(n NAL) (AccessUnit, bool, error) {
	if len(n.Data) == 0 {
		return AccessUnit{}, false, fmt.Errorf("%w: empty", ErrInvalidNAL)
	}
	if n.Data[0]&0x80 != 0 {
		return AccessUnit{}, false, fmt.Errorf("%w: forbidden_zero_bit set (header 0x%02x)", ErrInvalidNAL, n.Data[0])
	}
	t := n.Type()
	var done AccessUnit
	var emitted bool
	if a.startsNew(t, n.Data) {
		done, emitted = a.take()
	}
	if len(a.cur.NALs) >= maxNALsPerAccessUnit || a.bytes+len(n.Data) > maxAccessUnitBytes {
		return done, emitted, fmt.Errorf("%w: over %d NAL units or %d bytes", ErrAccessUnitTooLarge, maxNALsPerAccessUnit, maxAccessUnitBytes)
	}
	if len(a.cur.NALs) == 0 {
		a.cur.Arrival = n.Arrival
	}
	a.cur.NALs = append(a.cur.NALs, n.Data)
	a.bytes += len(n.Data)
	switch {
	case t.IsVCL():
		if !a.cur.HasVCL {
			a.curIDR = t == NALSliceIDR
		}
		a.cur.HasVCL = true
		if t == NALSliceIDR {
			a.cur.Keyframe = true
		}
	case t == NALSPS:
		a.cur.SPS = n.Data
	case t == NALEndOfSequence, t == NALEndOfStream:
		a.closed = true
	}
	a.lastVCL = t.IsVCL()
	return done, emitted, nil
}

// Flush returns the access unit in progress, if any (end of stream).
func (a *AccessUnitAssembler) Flush() (AccessUnit, bool) { return a.take() }

func (a *AccessUnitAssembler) startsNew(t NALUnitType, data []byte) bool {
	if len(a.cur.NALs) == 0 {
		return false
	}
	if t == NALAUD {
		return true
	}
	if !a.cur.HasVCL {
		return false
	}
	if a.closed {
		return true
	}
	if t.startsAccessUnit() {
		return true
	}
	if !t.IsVCL() {
		return false
	}
	if !a.lastVCL {
		return true
	}
	if (t == NALSliceIDR) != a.curIDR {
		return true
	}
	first, ok := firstMBInSlice(data)
	return ok && first == 0
}

func (a *AccessUnitAssembler) take() (AccessUnit, bool) {
	if len(a.cur.NALs) == 0 {
		return AccessUnit{}, false
	}
	au := a.cur
	a.cur = AccessUnit{}
	a.bytes = 0
	a.lastVCL = false
	a.closed = false
	a.curIDR = false
	return au, true
}

// firstMBInSlice decodes first_mb_in_slice, the first field of a slice header
// (§7.3.3), from a VCL NAL unit.
func firstMBInSlice(nal []byte) (uint32, bool) {
	if len(nal) < 2 {
		return 0, false
	}
	// The field is within the first few bytes; unescape only those.
	head := nal[1:min(len(nal), 1+16)]
	br := newBitReader(unescapeRBSP(head))
	v, err := br.ue()
	if err != nil {
		return 0, false
	}
	return v, true
}
