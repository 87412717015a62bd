package gstreamer

import (
	"fmt"
	"net"
)

// InterfaceAddresses lists this machine's interface addresses for ICE, loopback
// included: libnice leaves loopback out when it picks addresses itself, and then
// gathers nothing in a network namespace that has only lo. IPv6 link-local
// addresses are left out (they need a zone that SDP candidates cannot carry).
func InterfaceAddresses() ([]string, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("list interface addresses: %w", err)
	}
	var out []string
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.IsLinkLocalUnicast() || n.IP.IsMulticast() || n.IP.IsUnspecified() {
			continue
		}
		out = append(out, n.IP.String())
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("list interface addresses: none usable among %d", len(addrs))
	}
	return out, nil
}
