package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as Go duration text ("2s", "1m30s").
type Duration time.Duration

// ParseDuration parses Go duration text.
func ParseDuration(s string) (Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("duration %q: want e.g. 2s, 500ms or 1m30s", s)
	}
	return Duration(d), nil
}

// String returns the Go duration text.
func (d Duration) String() string { return time.Duration(d).String() }

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML parses a scalar duration.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a duration must be a scalar like 2s", n.Line)
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}

// MarshalYAML writes the duration text.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// Resolution is a frame size written "WxH" ("640x480").
type Resolution struct {
	Width, Height int
}

// ParseResolution parses "WxH" with positive integers.
func ParseResolution(s string) (Resolution, error) {
	w, h, ok := strings.Cut(strings.TrimSpace(s), "x")
	if !ok {
		return Resolution{}, fmt.Errorf("resolution %q: want WIDTHxHEIGHT like 640x480", s)
	}
	wi, err1 := strconv.Atoi(w)
	hi, err2 := strconv.Atoi(h)
	if err1 != nil || err2 != nil || wi <= 0 || hi <= 0 {
		return Resolution{}, fmt.Errorf("resolution %q: want WIDTHxHEIGHT with positive integers like 640x480", s)
	}
	return Resolution{Width: wi, Height: hi}, nil
}

// String returns "WxH".
func (r Resolution) String() string { return fmt.Sprintf("%dx%d", r.Width, r.Height) }

// UnmarshalYAML parses a scalar "WxH".
func (r *Resolution) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a resolution must be a scalar like 640x480", n.Line)
	}
	v, err := ParseResolution(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*r = v
	return nil
}

// MarshalYAML writes "WxH".
func (r Resolution) MarshalYAML() (any, error) { return r.String(), nil }
