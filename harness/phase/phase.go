package phase

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Phase is one step of a session's setup.
type Phase int

// The phases in the order they happen. Navigation is the page's own start
// (performance.timeOrigin): the origin of the setup, not a step of it.
const (
	Unknown Phase = iota
	Navigation
	// PageLoaded: the page's modules are loaded and its script runs.
	PageLoaded
	WSOpen
	Hello
	Joined
	Offer
	Answer
	// ICEConnected: the first ICE candidate pair works.
	ICEConnected
	// DTLSConnected: the PeerConnection is connected (ICE and the DTLS
	// handshake done); media can flow.
	DTLSConnected
	FirstFrame
	count // number of phases + 1 (Unknown)
)

// names are the JSON and JavaScript names, indexed by Phase.
var names = [count]string{
	Unknown: "unknown", Navigation: "navigation", PageLoaded: "pageLoaded", WSOpen: "wsOpen", Hello: "hello",
	Joined: "joined", Offer: "offer", Answer: "answer", ICEConnected: "iceConnected",
	DTLSConnected: "dtlsConnected", FirstFrame: "firstFrame",
}

// All returns every phase in order, Navigation first: the page's list.
func All() []Phase {
	return []Phase{Navigation, PageLoaded, WSOpen, Hello, Joined, Offer, Answer, ICEConnected, DTLSConnected, FirstFrame}
}

// Setup returns the steps of the setup in order (All without Navigation): the
// phases a trial records, in milliseconds from Navigation.
func Setup() []Phase { return All()[1:] }

// String returns the phase's JSON name, e.g. "iceConnected".
func (p Phase) String() string {
	if p <= Unknown || p >= count {
		return names[Unknown]
	}
	return names[p]
}

// Parse returns the phase with the JSON name s.
func Parse(s string) (Phase, error) {
	for _, p := range All() {
		if names[p] == s {
			return p, nil
		}
	}
	return Unknown, fmt.Errorf("unknown setup phase %q", s)
}

// Times holds a time per phase; a phase not reached has none. The unit is the
// holder's: Unix milliseconds on the page, milliseconds since navigation in
// a trial record. The zero value has no phase reached.
type Times struct {
	at  [count]float64
	set [count]bool
}

// Get returns the phase's time, nil when it was not reached.
func (t Times) Get(p Phase) *float64 {
	if p <= Unknown || p >= count || !t.set[p] {
		return nil
	}
	v := t.at[p]
	return &v
}

// Set records the phase's time; NaN or a nil value clears it.
func (t *Times) Set(p Phase, v *float64) {
	if p <= Unknown || p >= count {
		return
	}
	if v == nil || math.IsNaN(*v) {
		t.at[p], t.set[p] = 0, false
		return
	}
	t.at[p], t.set[p] = *v, true
}

// Last returns the latest phase of the setup that was reached (Unknown if
// none).
func (t Times) Last() Phase {
	last := Unknown
	for _, p := range Setup() {
		if t.set[p] {
			last = p
		}
	}
	return last
}

// Shift returns the times relative to origin (t − origin), for every phase of
// the setup; Navigation is left out.
func (t Times) Shift(origin float64) Times {
	var out Times
	for _, p := range Setup() {
		if t.set[p] {
			v := t.at[p] - origin
			out.Set(p, &v)
		}
	}
	return out
}

// MarshalJSON writes an object with every setup phase in order (null when not
// reached) and navigation first when it is set.
func (t Times) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for _, p := range All() {
		if p == Navigation && !t.set[p] {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(strconv.Quote(names[p]))
		b.WriteByte(':')
		if !t.set[p] {
			b.WriteString("null")
			continue
		}
		v, err := json.Marshal(t.at[p]) // the same number format as every other field
		if err != nil {
			return nil, fmt.Errorf("phase %s: %w", p, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads an object of phase names to numbers or null; names that
// are not phases are ignored (a newer page may record more).
func (t *Times) UnmarshalJSON(data []byte) error {
	var m map[string]*float64
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("setup phases: %w", err)
	}
	*t = Times{}
	for name, v := range m {
		if p, err := Parse(name); err == nil {
			t.Set(p, v)
		}
	}
	return nil
}
