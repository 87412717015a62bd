package link

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"go.yaml.in/yaml/v3"
)

// Limits of a profile.
const (
	maxDelay    = 10 * time.Second
	maxSchedule = 1000
	maxSpecSize = 1 << 20
)

// Settings are the fields of a profile and of a schedule step, as written in
// YAML; a nil field is not set (a step changes only the fields it names).
type Settings struct {
	// Down and Up are the rates towards the side and towards the core.
	Down *Bitrate `yaml:"down,omitempty"`
	Up   *Bitrate `yaml:"up,omitempty"`
	// Trace is a Mahimahi trace file for both directions; DownTrace and
	// UpTrace for one. A direction with a trace has no Down/Up rate.
	Trace     *string `yaml:"trace,omitempty"`
	DownTrace *string `yaml:"down-trace,omitempty"`
	UpTrace   *string `yaml:"up-trace,omitempty"`
	// Delay is the one-way delay of each direction (half the RTT).
	Delay *Duration `yaml:"delay,omitempty"`
	// Jitter is the amplitude of the delay's variation (at most Delay).
	Jitter *Duration `yaml:"jitter,omitempty"`
	// Reorder lets packets overtake each other under jitter.
	Reorder *bool `yaml:"reorder,omitempty"`
	// Loss is the random loss rate; LossBurst > 1 makes it bursty with
	// that mean burst length in packets (a Gilbert model).
	Loss      *Percent `yaml:"loss,omitempty"`
	LossBurst *float64 `yaml:"loss-burst,omitempty"`
	// GilbertElliott sets the four parameters of the bursty model directly.
	GilbertElliott *GilbertElliott `yaml:"gilbert-elliott,omitempty"`
	// Queue is the drop-tail queue's limit (packets or time).
	Queue *Queue `yaml:"queue,omitempty"`
}

// Spec is a network profile as written in YAML.
type Spec struct {
	Settings    `yaml:",inline"`
	Description string `yaml:"description,omitempty"`
	// Seed seeds the loss and jitter (DefaultSeed when not set).
	Seed *uint64 `yaml:"seed,omitempty"`
	// Schedule changes settings at given times.
	Schedule []Step `yaml:"schedule,omitempty"`
}

// Step is an entry of a schedule: at At (since the schedule's start) the
// fields it names change; the others stay.
type Step struct {
	At       *Duration `yaml:"at"`
	Settings `yaml:",inline"`
}

// ParseSpec decodes one profile strictly: unknown and duplicate keys, and
// values of the wrong kind, are errors wrapping ErrProfile. It does not
// validate; Resolve does.
func ParseSpec(data []byte) (Spec, error) {
	var s Spec
	if len(data) > maxSpecSize {
		return s, fmt.Errorf("%w: larger than %d bytes", ErrProfile, maxSpecSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return s, fmt.Errorf("%w: empty", ErrProfile)
		}
		return s, fmt.Errorf("%w: %s", ErrProfile, cleanYAMLError(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return s, fmt.Errorf("%w: more than one YAML document", ErrProfile)
	}
	return s, nil
}

var (
	yamlErrPrefix = regexp.MustCompile(`^yaml: (unmarshal errors:\n\s*)?`)
	yamlErrBreak  = regexp.MustCompile(`\n\s*`)
)

// cleanYAMLError turns yaml's multi-line errors into one line.
func cleanYAMLError(err error) string {
	msg := yamlErrPrefix.ReplaceAllString(err.Error(), "")
	return yamlErrBreak.ReplaceAllString(msg, "; ")
}

// TraceReader returns the bytes of the trace file at path (as written in the
// profile; a loader resolves it against the scenario's folder).
type TraceReader func(path string) (io.ReadCloser, error)

// Resolve checks spec and turns it into a Profile named name. Traces are
// read through open (nil: a profile with a trace is an error). Errors wrap
// ErrProfile and name the key ("schedule[1].loss: ...").
func Resolve(name string, spec Spec, open TraceReader) (*Profile, error) {
	r := resolver{open: open, traces: make(map[string]*Trace)}
	p := &Profile{Name: name, Description: spec.Description, Seed: DefaultSeed}
	if spec.Seed != nil {
		p.Seed = *spec.Seed
	}
	up := Params{Queue: DefaultQueue}
	down := up
	if err := r.apply("", spec.Settings, &up, &down); err != nil {
		return nil, err
	}
	p.Up, p.Down = up, down
	if len(spec.Schedule) > maxSchedule {
		return nil, fmt.Errorf("%w: 'schedule' has more than %d steps", ErrProfile, maxSchedule)
	}
	var last time.Duration
	for i, st := range spec.Schedule {
		key := fmt.Sprintf("schedule[%d].", i)
		if st.At == nil {
			return nil, fmt.Errorf("%w: '%sat' is missing (when the step applies, e.g. 10s)", ErrProfile, key)
		}
		at := st.At.D()
		if at <= last {
			return nil, fmt.Errorf("%w: '%sat' must be after %s (steps in order, after the start)", ErrProfile, key, last)
		}
		last = at
		if err := r.apply(key, st.Settings, &up, &down); err != nil {
			return nil, err
		}
		p.Schedule = append(p.Schedule, Change{At: at, Up: up, Down: down})
	}
	return p, nil
}

type resolver struct {
	open   TraceReader
	traces map[string]*Trace
}

// apply sets the fields of s on both directions' params and checks them.
// key prefixes the names in errors.
func (r *resolver) apply(key string, s Settings, up, down *Params) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: '%s%s' %s", ErrProfile, key, field, fmt.Sprintf(format, args...))
	}
	if s.Trace != nil && (s.UpTrace != nil || s.DownTrace != nil) {
		return bad("trace", "and 'up-trace'/'down-trace' exclude each other")
	}
	dirs := []struct {
		p           *Params
		rate        *Bitrate
		trace       *string
		rateKey, tk string
	}{
		{up, s.Up, s.UpTrace, "up", "up-trace"},
		{down, s.Down, s.DownTrace, "down", "down-trace"},
	}
	for _, d := range dirs {
		tr, tk := d.trace, d.tk
		if s.Trace != nil {
			tr, tk = s.Trace, "trace"
		}
		if tr != nil && d.rate != nil {
			return bad(d.rateKey, "and '%s%s' exclude each other (a trace sets the rate)", key, tk)
		}
		if d.rate != nil {
			d.p.Rate, d.p.Trace = *d.rate, nil
		}
		if tr != nil {
			t, err := r.trace(*tr)
			if err != nil {
				return bad(tk, "%v", err)
			}
			d.p.Rate, d.p.Trace = Unlimited, t
		}
	}
	for _, p := range []*Params{up, down} {
		if s.Delay != nil {
			p.Delay = s.Delay.D()
		}
		if s.Jitter != nil {
			p.Jitter = s.Jitter.D()
		}
		if s.Reorder != nil {
			p.Reorder = *s.Reorder
		}
		if s.Loss != nil || s.LossBurst != nil {
			p.GE = nil
		}
		if s.Loss != nil {
			p.Loss = float64(*s.Loss)
		}
		if s.LossBurst != nil {
			p.LossBurst = *s.LossBurst
		}
		if s.GilbertElliott != nil {
			ge := *s.GilbertElliott
			p.GE, p.Loss, p.LossBurst = &ge, 0, 0
		}
		if s.Queue != nil {
			p.Queue = *s.Queue
		}
	}
	p := up // the fields below are the same in both directions
	switch {
	case p.Delay > maxDelay:
		return bad("delay", "must be at most %s", maxDelay)
	case p.Jitter > p.Delay:
		return bad("jitter", "(%s) must not exceed 'delay' (%s): the delay varies within delay ± jitter", p.Jitter, p.Delay)
	case p.Loss >= 1:
		return bad("loss", "must be less than 100%%")
	case p.LossBurst != 0 && (p.LossBurst < 1 || p.LossBurst > 1e6):
		return bad("loss-burst", "must be a mean burst length from 1 to 1000000 packets")
	case p.LossBurst > 1 && p.Loss == 0:
		return bad("loss-burst", "needs 'loss' above 0%%")
	case p.GE != nil && p.GE.validate() != nil:
		return bad("gilbert-elliott", "%v", p.GE.validate())
	}
	return nil
}

func (r *resolver) trace(path string) (*Trace, error) {
	if t, ok := r.traces[path]; ok {
		return t, nil
	}
	if r.open == nil {
		return nil, fmt.Errorf("traces cannot be read here (%s)", path)
	}
	f, err := r.open(path)
	if err != nil {
		return nil, fmt.Errorf("open trace: %w", err)
	}
	defer func() { _ = f.Close() }()
	t, err := ParseTrace(path, f)
	if err != nil {
		return nil, err
	}
	r.traces[path] = t
	return t, nil
}
