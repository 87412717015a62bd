package camera

import (
	"errors"
	"fmt"
	"strings"

	"echtzeit/signaling/protocol"
)

// Codec names as used in flags, Format.Codec and request signals.
const (
	CodecVP8  = "vp8"
	CodecH264 = "h264"
)

// ErrUnsupportedFormat is wrapped by every error that refuses a requested format.
// The camera answers such a request with a signal
// {"error":{"code":"unsupported-format",...}}.
var ErrUnsupportedFormat = errors.New("unsupported format")

// CodeUnsupportedFormat is the error code of the signal that refuses a request.
const CodeUnsupportedFormat = "unsupported-format"

// ParseCodec normalises a codec name ("VP8", "h264", "H.264").
func ParseCodec(s string) (string, error) {
	switch strings.ToLower(strings.ReplaceAll(s, ".", "")) {
	case CodecVP8:
		return CodecVP8, nil
	case CodecH264:
		return CodecH264, nil
	}
	return "", fmt.Errorf("%w: codec %q (want vp8 or h264)", ErrUnsupportedFormat, s)
}

// Validate checks that f is complete and sane.
func (f Format) Validate() error {
	var errs []error
	if f.Width <= 0 || f.Height <= 0 {
		errs = append(errs, fmt.Errorf("'width' and 'height' must be greater than zero, got %dx%d", f.Width, f.Height))
	} else if f.Width%2 != 0 || f.Height%2 != 0 {
		errs = append(errs, fmt.Errorf("'width' and 'height' must be even, got %dx%d", f.Width, f.Height))
	}
	if f.FPS <= 0 {
		errs = append(errs, fmt.Errorf("'fps' must be greater than zero, got %d", f.FPS))
	}
	if _, err := ParseCodec(f.Codec); err != nil {
		errs = append(errs, fmt.Errorf("'codec': %w", err))
	}
	if f.Bitrate < 0 {
		errs = append(errs, fmt.Errorf("'bitrate' must not be negative, got %d", f.Bitrate))
	}
	if f.KeyframeInterval < 0 {
		errs = append(errs, fmt.Errorf("'keyframe-interval' must not be negative, got %d", f.KeyframeInterval))
	}
	return errors.Join(errs...)
}

// String formats f as "1280x720@30 vp8 2000 kbit/s".
func (f Format) String() string {
	return fmt.Sprintf("%dx%d@%d %s %d kbit/s", f.Width, f.Height, f.FPS, f.Codec, f.Bitrate/1000)
}

// WithRequest returns f changed by the viewer's request r: zero fields of r keep
// f's values. When the resolution changes and r sets no bitrate (requests never
// do), the bitrate scales with the pixel rate so quality stays comparable.
func (f Format) WithRequest(r protocol.FormatRequest) (Format, error) {
	out := f
	if r.Width < 0 || r.Height < 0 || r.FPS < 0 {
		return f, fmt.Errorf("%w: negative size or frame rate in request %+v", ErrUnsupportedFormat, r)
	}
	if r.Width != 0 {
		out.Width = r.Width
	}
	if r.Height != 0 {
		out.Height = r.Height
	}
	if r.FPS != 0 {
		out.FPS = r.FPS
	}
	if r.Codec != "" {
		c, err := ParseCodec(r.Codec)
		if err != nil {
			return f, err
		}
		out.Codec = c
	}
	if err := out.Validate(); err != nil {
		return f, fmt.Errorf("%w: %w", ErrUnsupportedFormat, err)
	}
	if f.Bitrate > 0 && (out.Width != f.Width || out.Height != f.Height || out.FPS != f.FPS) {
		scaled := float64(f.Bitrate) * float64(out.Width*out.Height*out.FPS) / float64(f.Width*f.Height*f.FPS)
		out.Bitrate = int(min(max(scaled, 100_000), 20_000_000))
	}
	return out, nil
}

// CheckFormat reports whether src can deliver f.
func CheckFormat(src EncodedSource, f Format) error {
	if s, ok := src.(FormatSupporter); ok {
		return s.SupportsFormat(f)
	}
	if f.Codec != src.Codec() {
		return fmt.Errorf("%w: this source delivers %s only, not %s", ErrUnsupportedFormat, src.Codec(), f.Codec)
	}
	return nil
}

// checkRequest is base changed by the viewer's request r, checked against what
// src can deliver.
func checkRequest(src EncodedSource, base Format, r protocol.FormatRequest) (Format, error) {
	f, err := base.WithRequest(r)
	if err != nil {
		return base, err
	}
	if err := CheckFormat(src, f); err != nil {
		return base, err
	}
	return f, nil
}
