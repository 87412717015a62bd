package loadgen

import "fmt"

// Mode is what the participants do once they are in their rooms.
type Mode int

// Modes.
const (
	ModeUnknown Mode = iota
	// ModeIdle: connect, join, then only answer keepalive pings.
	ModeIdle
	// ModeSteady: every participant sends Config.Rate signals per second of
	// Config.SignalBytes to its room mate.
	ModeSteady
	// ModeSession: each pair exchanges an offer, an answer and trickled
	// candidates of real sizes, then stays idle.
	ModeSession
)

var modeNames = map[Mode]string{ModeIdle: "idle", ModeSteady: "steady", ModeSession: "session"}

func (m Mode) String() string {
	if s, ok := modeNames[m]; ok {
		return s
	}
	return "unknown"
}

// ParseMode parses "idle", "steady" or "session".
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if s == name {
			return m, nil
		}
	}
	return ModeUnknown, fmt.Errorf("mode %q: want idle, steady or session", s)
}

// MarshalText writes the mode's name.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses a mode's name.
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := ParseMode(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
