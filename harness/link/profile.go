package link

import (
	"fmt"
	"strings"
	"time"
)

// Direction is one direction of an access link.
type Direction int

// Directions. Up is from the side (sender or viewer) towards the core, Down
// from the core towards the side.
const (
	DirectionUnknown Direction = iota
	Up
	Down
)

// String returns "up", "down" or "unknown".
func (d Direction) String() string {
	switch d {
	case Up:
		return "up"
	case Down:
		return "down"
	}
	return "unknown"
}

// ParseDirection parses "up" or "down".
func ParseDirection(s string) (Direction, error) {
	switch s {
	case "up":
		return Up, nil
	case "down":
		return Down, nil
	}
	return DirectionUnknown, fmt.Errorf("direction %q: want up or down", s)
}

// DefaultQueue is the queue limit of a profile that sets none: 1000 packets,
// a Linux interface's default txqueuelen, which the tc classes of the
// sitespeed.io throttle tool inherit.
var DefaultQueue = Queue{Packets: 1000}

// DefaultSeed seeds the randomness of a profile that sets no seed.
const DefaultSeed = 1

// Params are one direction's settings at one time.
type Params struct {
	// Rate is the token bucket's rate; Unlimited (0) without a Trace means no
	// rate limit and no queue.
	Rate Bitrate `json:"rateBps,omitempty"`
	// Trace, when set, replaces Rate: the link delivers at the trace's
	// opportunities.
	Trace *Trace `json:"trace,omitempty"`
	// Delay is the one-way delay after the rate limit.
	Delay time.Duration `json:"delayNs,omitempty"`
	// Jitter is the amplitude of the delay's variation: the delay varies
	// within Delay ± Jitter.
	Jitter time.Duration `json:"jitterNs,omitempty"`
	// Reorder draws the jitter per packet, so packets may overtake each other;
	// without it the delay follows a smooth random curve and order is kept.
	Reorder bool `json:"reorder,omitempty"`
	// Loss is the random loss rate (0..1); with LossBurst > 1 the losses come
	// in bursts of LossBurst packets on average (a Gilbert model).
	Loss      float64 `json:"loss,omitempty"`
	LossBurst float64 `json:"lossBurst,omitempty"`
	// GE, when set, replaces Loss and LossBurst.
	GE *GilbertElliott `json:"gilbertElliott,omitempty"`
	// Queue limits the drop-tail queue in front of the rate limit.
	Queue Queue `json:"queue"`
}

// Limited reports whether the direction has a rate limit (a rate or a trace).
func (p Params) Limited() bool { return p.Rate != Unlimited || p.Trace != nil }

// MeanRate is the direction's capacity in bit/s (a trace's average), 0 when
// unlimited.
func (p Params) MeanRate() float64 {
	if p.Trace != nil {
		return p.Trace.MeanRate()
	}
	return float64(p.Rate)
}

// LossRate is the long-run loss rate of the direction's loss model.
func (p Params) LossRate() float64 {
	if p.GE != nil {
		return p.GE.Rate()
	}
	return p.Loss
}

// String describes the settings in one line ("1.6Mbit, 75ms ± 10ms, 1% loss").
func (p Params) String() string {
	var parts []string
	switch {
	case p.Trace != nil:
		parts = append(parts, fmt.Sprintf("trace %s (mean %s)", p.Trace.Name, Bitrate(p.Trace.MeanRate())))
	default:
		parts = append(parts, p.Rate.String())
	}
	d := p.Delay.String()
	if p.Jitter > 0 {
		d += " ± " + p.Jitter.String()
		if p.Reorder {
			d += " (reordering)"
		}
	}
	parts = append(parts, d)
	switch {
	case p.GE != nil:
		parts = append(parts, fmt.Sprintf("%s loss (Gilbert–Elliott p=%s r=%s)", Percent(p.GE.Rate()), p.GE.P, p.GE.R))
	case p.Loss > 0 && p.LossBurst > 1:
		parts = append(parts, fmt.Sprintf("%s loss in bursts of %g", Percent(p.Loss), p.LossBurst))
	case p.Loss > 0:
		parts = append(parts, Percent(p.Loss).String()+" loss")
	}
	if p.Limited() {
		parts = append(parts, "queue "+p.Queue.String())
	}
	return strings.Join(parts, ", ")
}

// Change is one entry of a profile's schedule: from At (since the
// schedule's start) on, the directions have these settings.
type Change struct {
	At       time.Duration `json:"atNs"`
	Up, Down Params
}

// Profile is a resolved network profile: both directions' settings at the
// start and the changes of its schedule, in order.
type Profile struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Seed        uint64   `json:"seed"`
	Up          Params   `json:"up"`
	Down        Params   `json:"down"`
	Schedule    []Change `json:"schedule,omitempty"`
}

// Params returns the settings of direction d at the start.
func (p *Profile) Params(d Direction) Params {
	if d == Down {
		return p.Down
	}
	return p.Up
}

// Changes returns direction d's schedule.
func (p *Profile) Changes(d Direction) []DirChange {
	out := make([]DirChange, len(p.Schedule))
	for i, c := range p.Schedule {
		out[i] = DirChange{At: c.At, Params: c.Up}
		if d == Down {
			out[i].Params = c.Down
		}
	}
	return out
}

// DirChange is a schedule entry of one direction.
type DirChange struct {
	At     time.Duration
	Params Params
}

// NewPipe returns the model of direction d, its randomness seeded from the
// profile's seed and the direction.
func (p *Profile) NewPipe(d Direction) *Pipe {
	return NewPipe(p.Params(d), p.Changes(d), p.Seed^uint64(d)*0x5851f42d4c957f2d)
}

// Unlimited reports whether the profile changes nothing in either direction
// at any time: no rate limit, delay, jitter or loss (a "lan").
func (p *Profile) Unlimited() bool {
	plain := func(q Params) bool {
		return !q.Limited() && q.Delay == 0 && q.Jitter == 0 && q.LossRate() == 0
	}
	if !plain(p.Up) || !plain(p.Down) {
		return false
	}
	for _, c := range p.Schedule {
		if !plain(c.Up) || !plain(c.Down) {
			return false
		}
	}
	return true
}

// Capacity returns direction d's average capacity in bit/s over [from, to)
// of the link's clock, for a schedule that started at origin on that clock,
// and false when the direction is unlimited at some time in it. Traces run
// on the link's clock, looping from its time 0.
func (p *Profile) Capacity(d Direction, origin, from, to time.Duration) (float64, bool) {
	if to <= from {
		return 0, false
	}
	cur := p.Params(d)
	changes := p.Changes(d)
	bits := 0.0
	for segStart := from; segStart < to; {
		for len(changes) > 0 && origin+changes[0].At <= segStart {
			cur = changes[0].Params
			changes = changes[1:]
		}
		segEnd := to
		if len(changes) > 0 && origin+changes[0].At < to {
			segEnd = origin + changes[0].At
		}
		switch {
		case cur.Trace != nil:
			bits += float64(cur.Trace.count(segStart, segEnd)) * OpportunityBytes * 8
		case cur.Rate != Unlimited:
			bits += float64(cur.Rate) * (segEnd - segStart).Seconds()
		default:
			return 0, false
		}
		segStart = segEnd
	}
	return bits / (to - from).Seconds(), true
}
