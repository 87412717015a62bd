package nat

import (
	"fmt"
	"strings"
)

// Type is the NAT between one side and the core.
type Type int

// NAT types.
const (
	// Unknown is the zero value.
	Unknown Type = iota
	// None: the side has a public address (no router namespace).
	None
	// Cone: endpoint-independent mapping (plain masquerade).
	Cone
	// Symmetric: a new mapping per destination (masquerade fully-random).
	Symmetric
	// UDPBlocked: only TCP to the TURN port gets out.
	UDPBlocked
)

var typeNames = []string{"unknown", "none", "cone", "symmetric", "udp-blocked"}

// String returns the type's name as scenarios write it.
func (t Type) String() string {
	if t < 0 || int(t) >= len(typeNames) {
		return fmt.Sprintf("nat.Type(%d)", int(t))
	}
	return typeNames[t]
}

// ParseType parses a type name.
func ParseType(s string) (Type, error) {
	for i, n := range typeNames {
		if i > 0 && n == s {
			return Type(i), nil
		}
	}
	return Unknown, fmt.Errorf("unknown NAT type %q (want %s)", s, strings.Join(typeNames[1:], ", "))
}

// Path is one value of a trial block's "paths:" axis: the NATs of both
// sides and the ICE policy.
type Path struct {
	// Name is the axis value (params.path).
	Name string
	// Sender and Viewer are the NATs in front of each side.
	Sender, Viewer Type
	// RelayOnly sets the relay-only ICE policy on the camera and the pages.
	RelayOnly bool
	// Relayed says the path can only work through the TURN relay: a trial
	// on it that selects a non-relay candidate pair is suspicious.
	Relayed bool
}

// Paths are the axis values, in the order of the issue (#11).
var Paths = []Path{
	{Name: "direct", Sender: None, Viewer: None},
	{Name: "cone", Sender: Cone, Viewer: Cone},
	{Name: "symmetric", Sender: None, Viewer: Symmetric},
	{Name: "symmetric-both", Sender: Symmetric, Viewer: Symmetric, Relayed: true},
	{Name: "udp-blocked", Sender: None, Viewer: UDPBlocked, Relayed: true},
	{Name: "relay-forced", Sender: None, Viewer: None, RelayOnly: true, Relayed: true},
}

// PathNames lists the names of Paths.
func PathNames() []string {
	out := make([]string, len(Paths))
	for i, p := range Paths {
		out[i] = p.Name
	}
	return out
}

// ParsePath returns the path named s.
func ParsePath(s string) (Path, error) {
	for _, p := range Paths {
		if p.Name == s {
			return p, nil
		}
	}
	return Path{}, fmt.Errorf("unknown path %q (want %s)", s, strings.Join(PathNames(), ", "))
}

// NeedsRouters reports whether the path puts a NAT in front of a side (and
// so needs an emulated network).
func (p Path) NeedsRouters() bool { return p.Sender > None || p.Viewer > None }
