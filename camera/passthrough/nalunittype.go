package passthrough

import "strconv"

// NALUnitType is nal_unit_type of an H.264 NAL unit (ITU-T H.264 Table 7-1).
type NALUnitType uint8

// NAL unit types used by the access-unit assembler.
const (
	NALUnknown             NALUnitType = 0
	NALSlice               NALUnitType = 1  // coded slice of a non-IDR picture
	NALSliceDPA            NALUnitType = 2  // slice data partition A
	NALSliceDPB            NALUnitType = 3  // slice data partition B
	NALSliceDPC            NALUnitType = 4  // slice data partition C
	NALSliceIDR            NALUnitType = 5  // coded slice of an IDR picture
	NALSEI                 NALUnitType = 6  // supplemental enhancement information
	NALSPS                 NALUnitType = 7  // sequence parameter set
	NALPPS                 NALUnitType = 8  // picture parameter set
	NALAUD                 NALUnitType = 9  // access unit delimiter
	NALEndOfSequence       NALUnitType = 10 // end of sequence
	NALEndOfStream         NALUnitType = 11 // end of stream
	NALFiller              NALUnitType = 12 // filler data
	NALSPSExtension        NALUnitType = 13 // sequence parameter set extension
	NALPrefix              NALUnitType = 14 // prefix NAL unit (SVC)
	NALSubsetSPS           NALUnitType = 15 // subset sequence parameter set
	NALDepthPS             NALUnitType = 16 // depth parameter set
	NALAuxiliarySlice      NALUnitType = 19 // auxiliary coded picture without partitioning
	NALSliceExtension      NALUnitType = 20 // coded slice extension (SVC, MVC)
	NALSliceDepthExtension NALUnitType = 21 // coded slice extension for depth view
)

var nalUnitTypeNames = map[NALUnitType]string{
	NALUnknown:             "Unspecified",
	NALSlice:               "Slice",
	NALSliceDPA:            "SliceDPA",
	NALSliceDPB:            "SliceDPB",
	NALSliceDPC:            "SliceDPC",
	NALSliceIDR:            "SliceIDR",
	NALSEI:                 "SEI",
	NALSPS:                 "SPS",
	NALPPS:                 "PPS",
	NALAUD:                 "AUD",
	NALEndOfSequence:       "EndOfSequence",
	NALEndOfStream:         "EndOfStream",
	NALFiller:              "Filler",
	NALSPSExtension:        "SPSExtension",
	NALPrefix:              "Prefix",
	NALSubsetSPS:           "SubsetSPS",
	NALDepthPS:             "DepthPS",
	NALAuxiliarySlice:      "AuxiliarySlice",
	NALSliceExtension:      "SliceExtension",
	NALSliceDepthExtension: "SliceDepthExtension",
}

// String returns the type's short name, or "NAL(n)" for reserved values.
func (t NALUnitType) String() string {
	if s, ok := nalUnitTypeNames[t]; ok {
		return s
	}
	return "NAL(" + strconv.Itoa(int(t)) + ")"
}

// ParseNALUnitType returns the type of the NAL unit whose first byte is b.
func ParseNALUnitType(b byte) NALUnitType { return NALUnitType(b & 0x1f) }

// IsVCL reports whether the type carries coded picture data of the primary
// coded picture (types 1–5, §7.4.1.2.3).
func (t NALUnitType) IsVCL() bool { return t >= NALSlice && t <= NALSliceIDR }

// startsAccessUnit reports whether a NAL unit of this type, seen after a VCL
// NAL unit, begins the next access unit (§7.4.1.2.3: AUD, SPS, PPS, SEI,
// types 14–18).
func (t NALUnitType) startsAccessUnit() bool {
	switch {
	case t == NALAUD, t == NALSPS, t == NALPPS, t == NALSEI, t == NALSPSExtension:
		return true
	case t >= 14 && t <= 18:
		return true
	}
	return false
}
