package passthrough

import "fmt"

// SPS holds the fields of an H.264 sequence parameter set (ITU-T H.264
// §7.3.2.1.1) that the pass-through sources use.
type SPS struct {
	ProfileIDC uint8
	Constraint uint8 // constraint_set0..5 flags and reserved bits, as one byte
	LevelIDC   uint8
	// Width and Height are the picture size after cropping.
	Width, Height int
	// TimingInfo reports whether the VUI carries num_units_in_tick/time_scale.
	TimingInfo     bool
	NumUnitsInTick uint32
	TimeScale      uint32
	FixedFrameRate bool

	vuiFlagBit int // bit offset of vui_parameters_present_flag in the RBSP (tests)
}

// FPS returns the frame rate from VUI timing (Annex E.2.1: two ticks per frame
// for progressive video), or 0 when the SPS carries none.
func (s SPS) FPS() float64 {
	if !s.TimingInfo || s.NumUnitsInTick == 0 || s.TimeScale == 0 {
		return 0
	}
	return float64(s.TimeScale) / (2 * float64(s.NumUnitsInTick))
}

// ProfileLevelID returns the SDP profile-level-id (RFC 6184 §8.1), e.g. "42c01f".
func (s SPS) ProfileLevelID() string {
	return fmt.Sprintf("%02x%02x%02x", s.ProfileIDC, s.Constraint, s.LevelIDC)
}

// ParseSPS parses a sequence parameter set NAL unit (header byte included).
func ParseSPS(nal []byte) (SPS, error) {
	if len(nal) < 4 || ParseNALUnitType(nal[0]) != NALSPS {
		return SPS{}, fmt.Errorf("%w: not an SPS NAL unit", ErrInvalidSPS)
	}
	s, err := parseSPS(newBitReader(unescapeRBSP(nal[1:])))
	if err != nil {
		return SPS{}, fmt.Errorf("%w: %w", ErrInvalidSPS, err)
	}
	return s, nil
}

func parseSPS(r *bitReader) (SPS, error) {
	var s SPS
	var err error
	// A small helper keeps the field list readable: the first error sticks.
	u := func(n int) uint32 {
		if err != nil {
			return 0
		}
		var v uint32
		v, err = r.u(n)
		return v
	}
	ue := func() uint32 {
		if err != nil {
			return 0
		}
		var v uint32
		v, err = r.ue()
		return v
	}
	se := func() int32 {
		if err != nil {
			return 0
		}
		var v int32
		v, err = r.se()
		return v
	}

	s.ProfileIDC = uint8(u(8))
	s.Constraint = uint8(u(8))
	s.LevelIDC = uint8(u(8))
	if id := ue(); id > 31 {
		return s, fmt.Errorf("seq_parameter_set_id %d > 31", id)
	}
	chromaFormat := uint32(1)
	separateColourPlanes := false
	switch s.ProfileIDC {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		chromaFormat = ue()
		if chromaFormat > 3 {
			return s, fmt.Errorf("chroma_format_idc %d > 3", chromaFormat)
		}
		if chromaFormat == 3 {
			separateColourPlanes = u(1) == 1
		}
		ue()           // bit_depth_luma_minus8
		ue()           // bit_depth_chroma_minus8
		u(1)           // qpprime_y_zero_transform_bypass_flag
		if u(1) == 1 { // seq_scaling_matrix_present_flag
			lists := 8
			if chromaFormat == 3 {
				lists = 12
			}
			for i := range lists {
				if u(1) == 0 { // seq_scaling_list_present_flag
					continue
				}
				size := 16
				if i >= 6 {
					size = 64
				}
				last, next := int32(8), int32(8)
				for range size {
					if next != 0 {
						next = (last + se() + 256) % 256
					}
					if next != 0 {
						last = next
					}
				}
			}
		}
	}
	if v := ue(); v > 12 { // log2_max_frame_num_minus4
		return s, fmt.Errorf("log2_max_frame_num_minus4 %d > 12", v)
	}
	switch pocType := ue(); pocType {
	case 0:
		ue() // log2_max_pic_order_cnt_lsb_minus4
	case 1:
		u(1) // delta_pic_order_always_zero_flag
		se() // offset_for_non_ref_pic
		se() // offset_for_top_to_bottom_field
		n := ue()
		if n > 255 {
			return s, fmt.Errorf("num_ref_frames_in_pic_order_cnt_cycle %d > 255", n)
		}
		for range n {
			se()
		}
	case 2:
	default:
		if err == nil {
			return s, fmt.Errorf("pic_order_cnt_type %d > 2", pocType)
		}
	}
	ue() // max_num_ref_frames
	u(1) // gaps_in_frame_num_value_allowed_flag
	widthMBs := ue() + 1
	heightMapUnits := ue() + 1
	frameMBsOnly := u(1)
	if frameMBsOnly == 0 {
		u(1) // mb_adaptive_frame_field_flag
	}
	u(1) // direct_8x8_inference_flag
	var cropL, cropR, cropT, cropB uint32
	if u(1) == 1 {
		cropL, cropR, cropT, cropB = ue(), ue(), ue(), ue()
	}
	if err != nil {
		return s, err
	}
	if widthMBs > 1<<12 || heightMapUnits > 1<<12 {
		return s, fmt.Errorf("picture of %d×%d macroblocks is too large", widthMBs, heightMapUnits)
	}
	// CropUnitX/Y (7-19 – 7-22); monochrome and separate planes crop in luma samples.
	subW, subH := 2, 2 // 4:2:0
	switch {
	case chromaFormat == 0 || separateColourPlanes:
		subW, subH = 1, 1
	case chromaFormat == 2:
		subW, subH = 2, 1
	case chromaFormat == 3:
		subW, subH = 1, 1
	}
	cropUnitX := subW
	cropUnitY := subH * (2 - int(frameMBsOnly))
	s.Width = int(widthMBs)*16 - cropUnitX*int(cropL+cropR)
	s.Height = int(heightMapUnits)*16*(2-int(frameMBsOnly)) - cropUnitY*int(cropT+cropB)
	if cropL+cropR > 1<<16 || cropT+cropB > 1<<16 || s.Width <= 0 || s.Height <= 0 {
		return s, fmt.Errorf("cropping leaves no picture (%d×%d)", s.Width, s.Height)
	}
	s.vuiFlagBit = r.pos
	if u(1) == 1 { // vui_parameters_present_flag
		if err := parseVUITiming(r, &s); err != nil {
			// The size is known; a VUI cut short only loses the timing.
			s.TimingInfo = false
		}
	}
	return s, err
}

// parseVUITiming reads vui_parameters (Annex E.1.1) up to the timing info.
func parseVUITiming(r *bitReader, s *SPS) error {
	flag := func() (bool, error) { return r.flag() }
	if ok, err := flag(); err != nil {
		return err
	} else if ok { // aspect_ratio_info_present_flag
		idc, err := r.u(8)
		if err != nil {
			return err
		}
		if idc == 255 { // Extended_SAR
			if _, err := r.u(32); err != nil {
				return err
			}
		}
	}
	if ok, err := flag(); err != nil {
		return err
	} else if ok { // overscan_info_present_flag
		if _, err := r.u(1); err != nil {
			return err
		}
	}
	if ok, err := flag(); err != nil {
		return err
	} else if ok { // video_signal_type_present_flag
		if _, err := r.u(4); err != nil { // video_format, video_full_range_flag
			return err
		}
		colour, err := flag()
		if err != nil {
			return err
		}
		if colour {
			if _, err := r.u(24); err != nil {
				return err
			}
		}
	}
	if ok, err := flag(); err != nil {
		return err
	} else if ok { // chroma_loc_info_present_flag
		if _, err := r.ue(); err != nil {
			return err
		}
		if _, err := r.ue(); err != nil {
			return err
		}
	}
	ok, err := flag() // timing_info_present_flag
	if err != nil || !ok {
		return err
	}
	if s.NumUnitsInTick, err = r.u(32); err != nil {
		return err
	}
	if s.TimeScale, err = r.u(32); err != nil {
		return err
	}
	if s.FixedFrameRate, err = r.flag(); err != nil {
		return err
	}
	s.TimingInfo = true
	return nil
}
