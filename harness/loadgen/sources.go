package loadgen

import (
	"fmt"
	"net/netip"
	"strings"
)

// maxSources bounds a parsed source list (a typo like 127.0.0.1-127.255.255.255
// must not allocate millions of addresses).
const maxSources = 4096

// ParseSources parses a comma-separated list of IP addresses and inclusive
// ranges, e.g. "127.0.0.2-127.0.0.9,127.0.1.1". The empty string is no list.
func ParseSources(s string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := netip.ParseAddr(strings.TrimSpace(lo))
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", part, err)
		}
		last := first
		if isRange {
			if last, err = netip.ParseAddr(strings.TrimSpace(hi)); err != nil {
				return nil, fmt.Errorf("source %q: %w", part, err)
			}
			if first.BitLen() != last.BitLen() || last.Less(first) {
				return nil, fmt.Errorf("source range %q: the end comes before the start", part)
			}
		}
		for a := first; ; a = a.Next() {
			if len(out) == maxSources {
				return nil, fmt.Errorf("sources: more than %d addresses", maxSources)
			}
			out = append(out, a)
			if a == last {
				break
			}
		}
	}
	return out, nil
}
