package link

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Bitrate is a link rate in bit/s; 0 means unlimited. It is written
// "768kbit", "1.6Mbit", "30Mbit/s", "1Gbit", "5Mbps", a number of bit/s, or
// "unlimited".
type Bitrate int64

// Unlimited is the Bitrate of a link without a rate limit.
const Unlimited Bitrate = 0

// maxBitrate bounds parsed rates (100 Gbit/s).
const maxBitrate = 100e9

var bitrateUnits = []struct {
	suffix string
	mult   float64
}{
	{"gbit", 1e9}, {"gbps", 1e9}, {"mbit", 1e6}, {"mbps", 1e6},
	{"kbit", 1e3}, {"kbps", 1e3}, {"bit", 1}, {"bps", 1},
}

// ParseBitrate parses a rate ("768kbit", "1.6Mbit/s", "unlimited").
func ParseBitrate(s string) (Bitrate, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "unlimited" {
		return Unlimited, nil
	}
	t = strings.TrimSuffix(t, "/s")
	mult := 1.0
	for _, u := range bitrateUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("rate %q: want e.g. 768kbit, 1.6Mbit, 30Mbit/s or unlimited", s)
	}
	bps := v * mult
	if bps < 1 || bps > maxBitrate {
		return 0, fmt.Errorf("rate %q: want at least 1 bit/s and at most 100Gbit (or unlimited)", s)
	}
	return Bitrate(math.Round(bps)), nil
}

// String writes the rate in the largest unit that keeps it short
// ("768kbit", "1.6Mbit", "unlimited").
func (b Bitrate) String() string {
	switch {
	case b == Unlimited:
		return "unlimited"
	case b%1e9 == 0 || b >= 1e10:
		return trimFloat(float64(b)/1e9) + "Gbit"
	case b >= 1e6:
		return trimFloat(float64(b)/1e6) + "Mbit"
	case b >= 1e3:
		return trimFloat(float64(b)/1e3) + "kbit"
	}
	return strconv.FormatInt(int64(b), 10) + "bit"
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// UnmarshalYAML parses a scalar rate.
func (b *Bitrate) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a rate must be a scalar like 1.6Mbit", n.Line)
	}
	v, err := ParseBitrate(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*b = v
	return nil
}

// MarshalYAML writes the rate text.
func (b Bitrate) MarshalYAML() (any, error) { return b.String(), nil }

// Percent is a probability written as a percentage ("0.5%"); the value is the
// fraction (0.005).
type Percent float64

// ParsePercent parses "N%" with 0 ≤ N ≤ 100.
func ParsePercent(s string) (Percent, error) {
	t := strings.TrimSpace(s)
	num, ok := strings.CutSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || math.IsNaN(v) || v < 0 || v > 100 {
		return 0, fmt.Errorf("percentage %q: want a number from 0 to 100 followed by %%, like 0.5%%", s)
	}
	return Percent(v / 100), nil
}

// String writes the percentage ("0.5%").
func (p Percent) String() string {
	return strconv.FormatFloat(float64(p)*100, 'f', -1, 64) + "%"
}

// UnmarshalYAML parses a scalar percentage.
func (p *Percent) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a percentage must be a scalar like 1%%", n.Line)
	}
	v, err := ParsePercent(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*p = v
	return nil
}

// MarshalYAML writes the percentage text.
func (p Percent) MarshalYAML() (any, error) { return p.String(), nil }

// Duration is a time.Duration written as Go duration text ("75ms").
type Duration time.Duration

// ParseDuration parses Go duration text that is not negative.
func ParseDuration(s string) (Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return 0, fmt.Errorf("duration %q: want e.g. 75ms or 10s", s)
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
		return fmt.Errorf("line %d: a duration must be a scalar like 75ms", n.Line)
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

// Queue is the limit of a drop-tail queue: a number of packets ("50") or the
// time it takes the link to send what is queued ("200ms").
type Queue struct {
	Packets int           `json:"packets,omitempty"`
	Delay   time.Duration `json:"delayNs,omitempty"`
}

// maxQueuePackets bounds a queue limit in packets.
const maxQueuePackets = 1_000_000

// ParseQueue parses a packet count or a duration.
func ParseQueue(s string) (Queue, error) {
	t := strings.TrimSpace(s)
	if n, err := strconv.Atoi(t); err == nil {
		if n < 1 || n > maxQueuePackets {
			return Queue{}, fmt.Errorf("queue %q: want 1 to %d packets", s, maxQueuePackets)
		}
		return Queue{Packets: n}, nil
	}
	d, err := time.ParseDuration(t)
	if err != nil || d <= 0 || d > time.Minute {
		return Queue{}, fmt.Errorf("queue %q: want a number of packets like 50, or a time of queueing like 200ms (at most 1m)", s)
	}
	return Queue{Delay: d}, nil
}

// String writes the packet count or the duration.
func (q Queue) String() string {
	if q.Delay > 0 {
		return q.Delay.String()
	}
	return strconv.Itoa(q.Packets)
}

// UnmarshalYAML parses a scalar queue limit.
func (q *Queue) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a queue limit must be a scalar like 50 or 200ms", n.Line)
	}
	v, err := ParseQueue(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*q = v
	return nil
}

// MarshalYAML writes the queue limit text.
func (q Queue) MarshalYAML() (any, error) { return q.String(), nil }
