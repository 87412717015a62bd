// Package nat emulates the NATs between a trial's sides and the core of its
// network (SPEC §7): a router network namespace per side whose nftables
// rules make it a NAT of one Type, and the Paths a trial block sweeps (which
// side sits behind which NAT, and whether the relay-only policy is set).
//
// The NAT types follow RFC 4787's behaviours: Cone is endpoint-independent
// mapping (one public port per inside socket, whatever the destination:
// nftables' plain masquerade keeps the source port), Symmetric is
// address-and-port-dependent mapping (a new, random public port per
// destination: masquerade fully-random), UDPBlocked lets only TCP to the
// TURN server's port out (TURN over TCP, RFC 8656 §3.1, is then the only
// path). Filtering is endpoint-independent only for replies: like a home
// router, a NAT forwards inbound packets of connections it saw leave
// (conntrack's established and related), nothing else, and the router
// itself drops what comes from outside unasked: an early packet of a hole
// punch then leaves no conntrack entry behind that would move the side's
// mapping to another port (what a Linux router that answers with ICMP does).
package nat
