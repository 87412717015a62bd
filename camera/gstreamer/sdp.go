package gstreamer

import (
	"fmt"
	"strconv"
	"strings"

	"echtzeit/camera"
)

// offeredCodec is a video payload type of a remote offer (RFC 8866 §6.6 rtpmap,
// §6.15 fmtp).
type offeredCodec struct {
	pt    int
	name  string // upper case encoding name, e.g. "VP8", "H264"
	clock int
	fmtp  map[string]string
}

// parseVideoCodecs lists the payload types of the first video m-line of sdp in
// the order of the m-line (the offerer's preference).
func parseVideoCodecs(sdp string) ([]offeredCodec, error) {
	var order []int
	byPT := map[int]*offeredCodec{}
	inVideo, seen := false, false
	for line := range strings.Lines(sdp) {
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, "m=") {
			if seen {
				break // only the first video section
			}
			inVideo = strings.HasPrefix(line, "m=video ")
			if !inVideo {
				continue
			}
			seen = true
			f := strings.Fields(line)
			if len(f) < 4 {
				return nil, fmt.Errorf("sdp: malformed m-line %q", line)
			}
			for _, s := range f[3:] {
				pt, err := strconv.Atoi(s)
				if err != nil || pt < 0 || pt > 127 {
					return nil, fmt.Errorf("sdp: payload type %q in %q", s, line)
				}
				if _, dup := byPT[pt]; !dup {
					order = append(order, pt)
					byPT[pt] = &offeredCodec{pt: pt, fmtp: map[string]string{}}
				}
			}
			continue
		}
		if !inVideo {
			continue
		}
		if v, ok := strings.CutPrefix(line, "a=rtpmap:"); ok {
			ptText, enc, _ := strings.Cut(v, " ")
			pt, err := strconv.Atoi(ptText)
			c := byPT[pt]
			if err != nil || c == nil {
				continue
			}
			name, rest, _ := strings.Cut(enc, "/")
			c.name = strings.ToUpper(name)
			clock, _, _ := strings.Cut(rest, "/")
			c.clock, _ = strconv.Atoi(clock)
		} else if v, ok := strings.CutPrefix(line, "a=fmtp:"); ok {
			ptText, params, _ := strings.Cut(v, " ")
			pt, err := strconv.Atoi(ptText)
			c := byPT[pt]
			if err != nil || c == nil {
				continue
			}
			for p := range strings.SplitSeq(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if k != "" {
					c.fmtp[strings.ToLower(k)] = val
				}
			}
		}
	}
	if !seen {
		return nil, fmt.Errorf("%w: the offer has no video m-line", ErrNoCodec)
	}
	out := make([]offeredCodec, 0, len(order))
	for _, pt := range order {
		out = append(out, *byPT[pt])
	}
	return out, nil
}

// h264Rank orders H.264 payload types for this sender (higher is better; 0 means
// unusable): packetization mode 1 is required (rtph264pay fragments with FU-A);
// Constrained Baseline (profile_idc 0x42 with constraint_set1, RFC 6184 §8.1)
// is what x264enc and openh264enc produce here, plain Baseline is a decoder
// superset of it.
func h264Rank(c offeredCodec) int {
	if c.fmtp["packetization-mode"] != "1" {
		return 0
	}
	plid := strings.ToLower(c.fmtp["profile-level-id"])
	if len(plid) != 6 {
		return 1
	}
	profile, err1 := strconv.ParseUint(plid[0:2], 16, 8)
	constraints, err2 := strconv.ParseUint(plid[2:4], 16, 8)
	if err1 != nil || err2 != nil {
		return 0
	}
	switch {
	case profile == 0x42 && constraints&0x40 != 0:
		return 3
	case profile == 0x42:
		return 2
	case profile == 0x4d && constraints&0x80 != 0: // Main with constraint_set0 = CB
		return 2
	}
	return 0
}

// pickPayloadType returns the offer's payload type for codec, or false.
func pickPayloadType(codecs []offeredCodec, codec string) (int, bool) {
	best, bestRank := 0, 0
	for _, c := range codecs {
		if c.clock != 90000 {
			continue
		}
		rank := 0
		switch {
		case codec == camera.CodecVP8 && c.name == "VP8":
			rank = 1
		case codec == camera.CodecH264 && c.name == "H264":
			rank = h264Rank(c)
		}
		if rank > bestRank {
			best, bestRank = c.pt, rank
		}
	}
	return best, bestRank > 0
}

// answerCodec picks the codec and payload type to answer the offer sdp with:
// want when the offer has it, else the other codec this sender has.
func answerCodec(sdp, want string) (codec string, pt int, err error) {
	codecs, err := parseVideoCodecs(sdp)
	if err != nil {
		return "", 0, err
	}
	for _, c := range []string{want, camera.CodecVP8, camera.CodecH264} {
		if pt, ok := pickPayloadType(codecs, c); ok {
			return c, pt, nil
		}
	}
	return "", 0, fmt.Errorf("%w: offered %d video payload types, none VP8 or H.264 with packetization-mode=1", ErrNoCodec, len(codecs))
}
