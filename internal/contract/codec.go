package contract

import (
	"fmt"
	"strings"
)

// Codec is a video codec as the scenario files, trials.jsonl, the camera's
// --codec flag and the request signal (SPEC §2) spell it.
type Codec string

// The codecs every sender of this project can send.
const (
	VP8  Codec = "vp8"
	H264 Codec = "h264"
)

// Codecs returns the known codecs in their usual order.
func Codecs() []Codec { return []Codec{VP8, H264} }

// String returns the codec's name.
func (c Codec) String() string { return string(c) }

// Label is the codec's name for people ("VP8", "H.264").
func (c Codec) Label() string {
	switch c {
	case VP8:
		return "VP8"
	case H264:
		return "H.264"
	}
	return string(c)
}

// ParseCodec returns the codec named s (case-insensitive).
func ParseCodec(s string) (Codec, error) {
	for _, c := range Codecs() {
		if strings.EqualFold(string(c), s) {
			return c, nil
		}
	}
	return "", fmt.Errorf("unknown codec %q (want vp8 or h264)", s)
}
