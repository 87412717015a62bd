package network

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"

	"echtzeit/harness/nat"
	"echtzeit/harness/netns"
)

// routerInside names the router's interface towards its side (the side's
// end of that veth pair is sideIface, like an access link's).
const routerInside = "lan0"

// privateAddr and routerAddr are side i's address behind its NAT and the
// router's on that network: 192.168.i.2 and 192.168.i.1 (RFC 1918; a
// subnet per side, so that no two private addresses are alike).
func privateAddr(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 168, byte(i), 2}) }
func routerAddr(i int) netip.Addr  { return netip.AddrFrom4([4]byte{192, 168, byte(i), 1}) }

// addRouter creates side s's router namespace when sc asks for a NAT, with
// the veth pair between router and side; the access link then ends in the
// router.
func (t *Topology) addRouter(ctx context.Context, owner netns.Owner, topo string, sc SideConfig, s *Side, i int) error {
	if sc.NAT <= nat.None {
		return nil
	}
	var err error
	if s.Router, err = createNS(ctx, owner.Name(topo+"-"+sc.Name+"-nat")); err != nil {
		return err
	}
	s.NAT, s.Addr = sc.NAT, privateAddr(i)
	if err := s.Router.IP(ctx, "link", "add", routerInside, "type", "veth", "peer", "name", sideIface, "netns", s.NS.Name); err != nil {
		return fmt.Errorf("network: veth between %s and its router: %w", s.Name, err)
	}
	return nil
}

// configureRouter addresses the side behind its router, turns forwarding on
// in the router and loads the NAT's nftables rules.
func (t *Topology) configureRouter(ctx context.Context, s *Side, i int) error {
	if s.Router == nil {
		return nil
	}
	steps := []struct {
		ns   *netns.Namespace
		args []string
	}{
		{s.Router, []string{"addr", "add", routerAddr(i).String() + "/24", "dev", routerInside}},
		{s.Router, []string{"link", "set", routerInside, "up"}},
		{s.NS, []string{"addr", "add", s.Addr.String() + "/24", "dev", sideIface}},
		{s.NS, []string{"link", "set", sideIface, "up"}},
		{s.NS, []string{"route", "add", "default", "via", routerAddr(i).String(), "dev", sideIface}},
	}
	for _, st := range steps {
		if err := st.ns.IP(ctx, st.args...); err != nil {
			return fmt.Errorf("network: side %s behind its router: %w", s.Name, err)
		}
	}
	err := netns.Do(s.Router.Path(), func() error {
		return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644)
	})
	if err != nil {
		return fmt.Errorf("network: forwarding in %s's router: %w", s.Name, err)
	}
	rules, err := nat.Router{Outside: sideIface, Inside: routerInside, Service: ServiceAddr}.Rules(s.NAT)
	if err != nil {
		return fmt.Errorf("network: %w", err)
	}
	return loadRules(ctx, s.Router, rules)
}

// loadRules loads an nftables ruleset into ns ("nft -f -").
func loadRules(ctx context.Context, ns *netns.Namespace, rules string) error {
	args := append(ns.Prefix(), "nft", "-f", "-")
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdin = strings.NewReader(rules)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("network: nft in %s: %w: %s", ns.Name, err, strings.TrimSpace(out.String()))
	}
	return nil
}
