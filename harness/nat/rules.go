package nat

import (
	"fmt"
	"net/netip"
	"strings"
)

// TableName is the nftables table a router's rules live in.
const TableName = "eznat"

// Router names the interfaces of a router namespace and the services the
// side behind it must reach.
type Router struct {
	// Outside is the interface towards the core (the access link), Inside
	// the one towards the side's own namespace.
	Outside, Inside string
	// Service is the core's address of the signaling and TURN servers: the
	// only destination a UDPBlocked router lets through (over TCP).
	Service netip.Addr
}

// Rules returns the nftables ruleset (nft -f) that makes a router of type
// t. Every type but None forwards only replies inbound (conntrack), like a
// home router; None has no rules (the side is not behind a router).
func (r Router) Rules(t Type) (string, error) {
	if t == None {
		return "", nil
	}
	if r.Outside == "" || r.Inside == "" || r.Outside == r.Inside {
		return "", fmt.Errorf("nat: router needs two interfaces, got %q and %q", r.Outside, r.Inside)
	}
	var masquerade, filter string
	switch t {
	case Cone:
		// Endpoint-independent mapping (RFC 4787 §4.1): masquerade keeps the
		// inside source port when it is free, whatever the destination.
		masquerade = "masquerade"
	case Symmetric:
		// A random port for every new connection, i.e. per destination.
		masquerade = "masquerade fully-random"
	case UDPBlocked:
		if !r.Service.IsValid() {
			return "", fmt.Errorf("nat: %s needs the service address", t)
		}
		masquerade = "masquerade"
		filter = fmt.Sprintf("\t\tiifname %q ip daddr %s meta l4proto tcp accept\n\t\tiifname %q drop\n", r.Inside, r.Service, r.Inside)
	default:
		return "", fmt.Errorf("nat: no rules for type %s", t)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "table ip %s {\n", TableName)
	fmt.Fprintf(&b, "\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t\toifname %q %s\n\t}\n", r.Outside, masquerade)
	fmt.Fprintf(&b, "\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n")
	fmt.Fprintf(&b, "\t\tiifname %q ct state established,related accept\n", r.Outside)
	b.WriteString(filter)
	fmt.Fprintf(&b, "\t\tiifname %q oifname %q accept\n\t}\n", r.Inside, r.Outside)
	// The router itself answers nothing from outside. Dropping here (not
	// after conntrack confirmed the packet) keeps an early packet of a hole
	// punch from leaving a conntrack entry that would make the router map
	// the side's own packets to that peer to another port.
	fmt.Fprintf(&b, "\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n")
	fmt.Fprintf(&b, "\t\tiifname %q ct state established,related accept\n\t\tiifname %q drop\n\t}\n}\n", r.Outside, r.Outside)
	return b.String(), nil
}
