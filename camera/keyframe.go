package camera

// IsKeyFrame reports whether an encoded access unit of codec starts a
// decodable picture sequence: a VP8 key frame (RFC 6386 §9.1: bit 0 of the
// frame tag is 0), or an H.264 Annex B access unit with an IDR slice or a
// sequence parameter set (NAL unit types 5 and 7, ITU-T H.264 Table 7-1; a
// pass-through source sends SPS/PPS as their own sample just before the IDR).
// A viewer that joins a running stream gets nothing until such a frame.
func IsKeyFrame(codec string, au []byte) bool {
	switch codec {
	case CodecVP8:
		return len(au) >= 3 && au[0]&1 == 0
	case CodecH264:
		for i := 0; i+3 <= len(au); {
			// A start code is 00 00 01 (a 4-byte one ends the same way).
			if au[i] != 0 || au[i+1] != 0 || au[i+2] != 1 {
				i++
				continue
			}
			if i+3 < len(au) {
				if t := au[i+3] & 0x1f; t == 5 || t == 7 {
					return true
				}
			}
			i += 3
		}
	}
	return false
}
