package loadgen

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"echtzeit/signaling/client"
)

// Config is one load run.
type Config struct {
	// URLs are the server's WebSocket URLs; the participants are spread over
	// them, the two members of a room on different URLs when there are several.
	URLs []string
	// ClientOptions are given to every client.Dial (TLS trust, ...).
	ClientOptions []client.Option
	// Participants is the number of connections; an even number, in
	// Participants/2 rooms.
	Participants int
	Mode         Mode
	// Rate is the signals per second each participant sends (ModeSteady).
	Rate float64
	// SignalBytes is the size of a steady signal's payload (ModeSteady).
	SignalBytes int
	// Aligned makes every participant send at the same instants (ModeSteady):
	// one burst per interval instead of independent users' spread sends. The
	// server then handles a burst per wake-up, which costs it about half the
	// CPU per message (DESIGN.md, "Measuring the server's CPU").
	Aligned bool
	// Sources are the local addresses to dial from, used in turn; empty
	// leaves the choice to the system.
	Sources []netip.Addr
	// DialConcurrency bounds the rooms being connected at once (default 32).
	DialConcurrency int
	// Ramp spreads the rooms' arrival over this time (ModeSession; 0: as fast
	// as DialConcurrency allows).
	Ramp time.Duration
	// Settle is the pause between connecting and the measured phase (idle and
	// steady): the connection burst's garbage collection ends in it.
	Settle time.Duration
	// Duration is the measured phase (idle, steady) or, for ModeSession, the
	// whole window from the first dial, setup included.
	Duration time.Duration
	// Server, when set, reads the server's CPU and RSS at each phase boundary.
	Server Observer
	// OnEvent, when set, is called at each phase boundary and every
	// ProgressEvery (0: no progress events), one call at a time: how a
	// parent process follows the run.
	OnEvent       func(Event)
	ProgressEvery time.Duration
	// Logger receives warnings (default: discard).
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.DialConcurrency == 0 {
		c.DialConcurrency = 32
	}
	if c.SignalBytes == 0 {
		c.SignalBytes = 1000
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports every invalid field by its flag-like name.
func (c Config) Validate() error {
	var errs []error
	if len(c.URLs) == 0 {
		errs = append(errs, errors.New("'urls': at least one server URL is needed"))
	}
	for _, u := range c.URLs {
		if !strings.HasPrefix(u, "ws://") && !strings.HasPrefix(u, "wss://") {
			errs = append(errs, fmt.Errorf("'urls': %q is not a ws:// or wss:// URL", u))
		}
	}
	if c.Participants < 2 || c.Participants%2 != 0 {
		errs = append(errs, fmt.Errorf("'participants' must be an even number of at least 2, got %d", c.Participants))
	}
	switch c.Mode {
	case ModeIdle, ModeSession:
	case ModeSteady:
		if c.Rate <= 0 {
			errs = append(errs, fmt.Errorf("'rate' must be greater than zero in steady mode, got %v", c.Rate))
		}
		if c.SignalBytes < 64 || c.SignalBytes > 60<<10 {
			errs = append(errs, fmt.Errorf("'signal-bytes' must be between 64 and %d, got %d", 60<<10, c.SignalBytes))
		}
	default:
		errs = append(errs, errors.New("'mode' must be idle, steady or session"))
	}
	if c.DialConcurrency < 1 {
		errs = append(errs, fmt.Errorf("'dial-concurrency' must be at least 1, got %d", c.DialConcurrency))
	}
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("'duration' must be greater than zero, got %s", c.Duration))
	}
	if c.Settle < 0 || c.Ramp < 0 || c.ProgressEvery < 0 {
		errs = append(errs, errors.New("'settle', 'ramp' and 'progress' must not be negative"))
	}
	if c.Mode == ModeSession && c.Ramp >= c.Duration {
		errs = append(errs, fmt.Errorf("'ramp' (%s) must be shorter than 'duration' (%s)", c.Ramp, c.Duration))
	}
	return errors.Join(errs...)
}
