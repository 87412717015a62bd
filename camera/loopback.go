package camera

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// LoopbackMode says whether the camera gathers ICE candidates on loopback
// interfaces (RFC 8445 §5.1.1.1 leaves loopback addresses out of the host
// candidates, and so does pion by default). Without them a camera that shares
// a machine, or a network namespace with only lo, with its viewer gathers no
// candidate at all and every stream fails after the ICE timeout.
type LoopbackMode int

// The modes. The zero value is LoopbackAuto, the default of APIOptions and of
// the camera's --ice-loopback flag.
const (
	// LoopbackAuto includes loopback candidates when no other interface has a
	// usable address, or when the signaling server's host is a loopback
	// address (the viewer is then most likely on the same machine). Loopback
	// candidates are only ever added: the other interfaces are gathered as
	// always.
	LoopbackAuto LoopbackMode = iota
	// LoopbackOn always includes loopback candidates.
	LoopbackOn
	// LoopbackOff never includes them.
	LoopbackOff
)

// ErrBadLoopbackMode is returned by ParseLoopbackMode.
var ErrBadLoopbackMode = errors.New("want auto, true or false")

// String returns auto, true or false: the spelling of --ice-loopback.
func (m LoopbackMode) String() string {
	switch m {
	case LoopbackOn:
		return "true"
	case LoopbackOff:
		return "false"
	}
	return "auto"
}

// ParseLoopbackMode reads auto, or any boolean spelling of strconv.ParseBool
// plus on/off and yes/no.
func ParseLoopbackMode(s string) (LoopbackMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "auto", "":
		return LoopbackAuto, nil
	case "1", "t", "true", "on", "yes":
		return LoopbackOn, nil
	case "0", "f", "false", "off", "no":
		return LoopbackOff, nil
	}
	return LoopbackAuto, fmt.Errorf("%w: %q", ErrBadLoopbackMode, s)
}

// Set implements flag.Value.
func (m *LoopbackMode) Set(s string) error {
	v, err := ParseLoopbackMode(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// IsBoolFlag lets a bare --ice-loopback mean true (flag.boolFlag).
func (m *LoopbackMode) IsBoolFlag() bool { return true }

// loopbackDecision is whether to gather loopback candidates and why.
type loopbackDecision struct {
	include bool
	reason  string
}

// decideLoopback applies mode to the facts: whether the signaling host is a
// loopback address, and the interfaces that have a usable non-loopback address.
func decideLoopback(mode LoopbackMode, host string, hostLoopback bool, usable []string) loopbackDecision {
	switch mode {
	case LoopbackOn:
		return loopbackDecision{true, "--ice-loopback=true"}
	case LoopbackOff:
		return loopbackDecision{false, "--ice-loopback=false"}
	}
	var why []string
	if len(usable) == 0 {
		why = append(why, "no network interface other than loopback has a usable address")
	}
	if hostLoopback {
		why = append(why, fmt.Sprintf("the signaling server's host %s is a loopback address", host))
	}
	if len(why) == 0 {
		return loopbackDecision{false, "other interfaces are up (" + strings.Join(usable, ", ") + ") and the signaling server is not on loopback"}
	}
	return loopbackDecision{true, strings.Join(why, "; ")}
}

// usableAddr reports whether a host candidate could be gathered on ip: not
// loopback, not link-local (pion drops those without mDNS), and kept by filter.
func usableAddr(ip net.IP, filter func(net.IP) bool) bool {
	if ip == nil || !ip.IsGlobalUnicast() {
		return false
	}
	return filter == nil || filter(ip)
}

// usableInterfaces names the interfaces that are up, not loopback and have a
// usable address.
func usableInterfaces(filter func(net.IP) bool) []string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var names []string
	for _, i := range ifaces {
		if i.Flags&net.FlagUp == 0 || i.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := i.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			var ip net.IP
			switch a := a.(type) {
			case *net.IPNet:
				ip = a.IP
			case *net.IPAddr:
				ip = a.IP
			}
			if usableAddr(ip, filter) {
				names = append(names, i.Name)
				break
			}
		}
	}
	return names
}

// lookupTimeout bounds the name lookup of the signaling host.
const lookupTimeout = 2 * time.Second

// signalingHost returns the host of a signaling URL and whether it is a
// loopback address: an IP literal in 127.0.0.0/8 or ::1, "localhost" and its
// subdomains (RFC 6761 §6.3), or a name all of whose addresses are loopback
// (Debian maps the machine's own name to 127.0.1.1).
func signalingHost(ctx context.Context, signalingURL string) (string, bool) {
	u, err := url.Parse(signalingURL)
	if err != nil {
		return "", false
	}
	host := u.Hostname()
	if host == "" {
		return "", false
	}
	if ip := net.ParseIP(host); ip != nil {
		return host, ip.IsLoopback()
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return host, true
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return host, false
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return host, false
		}
	}
	return host, true
}
