package network

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"echtzeit/harness/forwarder"
	"echtzeit/harness/link"
	"echtzeit/harness/nat"
	"echtzeit/harness/netns"
)

// Addresses of the topology. Side i (from 1) has 10.77.i.2, the core's end of
// its link 10.77.i.1.
var (
	// ServiceAddr is the core's address for services (signaling, TURN).
	ServiceAddr = netip.MustParseAddr("10.77.0.1")
)

// Interface names. Every namespace has its own, so they repeat across trials.
const (
	sideIface = "acc0" // the side's end of its access link
)

// coreIface names the core's end of side i's access link.
func coreIface(i int) string { return fmt.Sprintf("acc%d", i) }

func sideAddr(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 77, byte(i), 2}) }
func coreAddr(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 77, byte(i), 1}) }

// SideConfig is one side of a Config.
type SideConfig struct {
	// Name is the side's role ("sender", "viewer", "left", ...): letters,
	// digits and '-'.
	Name string
	// Profile is the side's access link; nil means lan.
	Profile *link.Profile
	// NAT puts a router of this type between the side and its access link
	// (package nat); the zero value and nat.None mean none.
	NAT nat.Type
}

// Config describes a topology to Build.
type Config struct {
	// Name is unique among this process's topologies that exist at the same
	// time (e.g. "t3" for trial 3); it is part of the namespaces' names.
	Name  string
	Sides []SideConfig
	// Forwarder is the forwarder command; default: this program with the
	// argument "link-forward" (the harness binary). ForwarderEnv is added
	// to its environment.
	Forwarder    []string
	ForwarderEnv []string
	// HoldSchedule keeps the profiles' schedules from starting until
	// StartSchedule (e.g. until the first frame); otherwise they start when
	// the links do.
	HoldSchedule bool
	// OnReport receives the forwarder's reports (once a second).
	OnReport func(forwarder.Report)
	Logger   *slog.Logger
}

// Side is one side of a built topology.
type Side struct {
	Name    string
	NS      *netns.Namespace
	Addr    netip.Addr // the side's address
	Gateway netip.Addr // the core's end of its access link
	Profile *link.Profile
	// Shaped is true when the forwarder carries the access link, false for
	// a veth pair (lan).
	Shaped bool
	// Router is the NAT router's namespace, nil without one. The access
	// link then ends in it, at Public; the side's own address Addr is
	// private, behind the router.
	Router *netns.Namespace
	NAT    nat.Type
	Public netip.Addr
}

// linkNS is where the side's access link ends: its router, or the side.
func (s *Side) linkNS() *netns.Namespace {
	if s.Router != nil {
		return s.Router
	}
	return s.NS
}

// Topology is a built network. Close removes it.
type Topology struct {
	Core  *netns.Namespace
	Sides []*Side

	logger    *slog.Logger
	fwd       *forwarder.Process
	linkStart time.Time // the forwarder's link clock start

	closeOnce sync.Once
	closeErr  error
}

// Build creates the namespaces, links and routes of cfg, and starts the
// forwarder when a side's link is shaped. On error nothing is left behind.
func Build(ctx context.Context, cfg Config) (_ *Topology, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	owner, err := netns.Self()
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	t := &Topology{logger: cfg.Logger}
	defer func() {
		if err != nil {
			err = errors.Join(err, t.Close())
		}
	}()
	start := time.Now()
	if t.Core, err = createNS(ctx, owner.Name(cfg.Name+"-core")); err != nil {
		return nil, err
	}
	var links []forwarder.LinkConfig
	for i, sc := range cfg.Sides {
		n := i + 1
		s := &Side{Name: sc.Name, Addr: sideAddr(n), Public: sideAddr(n), Gateway: coreAddr(n), Profile: sc.Profile}
		if s.Profile == nil {
			if s.Profile, err = link.Builtin("lan"); err != nil {
				return nil, err
			}
		}
		if s.NS, err = createNS(ctx, owner.Name(cfg.Name+"-"+sc.Name)); err != nil {
			return nil, err
		}
		t.Sides = append(t.Sides, s)
		if err := t.addRouter(ctx, owner, cfg.Name, sc, s, n); err != nil {
			return nil, err
		}
		s.Shaped = !s.Profile.Unlimited()
		if s.Shaped {
			links = append(links, forwarder.LinkConfig{
				Name: s.Name, SideNS: s.linkNS().Path(), SideTUN: sideIface,
				CoreNS: t.Core.Path(), CoreTUN: coreIface(n),
				Profile: s.Profile, HoldSchedule: cfg.HoldSchedule,
			})
			continue
		}
		if err := t.Core.IP(ctx, "link", "add", coreIface(n), "type", "veth", "peer", "name", sideIface, "netns", s.linkNS().Name); err != nil {
			return nil, fmt.Errorf("network: veth for %s: %w", s.Name, err)
		}
	}
	if len(links) > 0 {
		if err := t.startForwarder(ctx, cfg, links); err != nil {
			return nil, err
		}
	}
	if err := t.configure(ctx); err != nil {
		return nil, err
	}
	t.logger.Info("network built", "core", t.Core.Name, "sides", t.describe(), "forwarderPid", t.ForwarderPID(), "forwarderScheduling", t.scheduling(), "took", time.Since(start).Round(time.Millisecond))
	return t, nil
}

func checkConfig(cfg Config) error {
	if cfg.Name == "" || len(cfg.Sides) == 0 || len(cfg.Sides) > 200 {
		return errors.New("network: a topology needs a name and 1 to 200 sides")
	}
	seen := map[string]bool{"core": true}
	for _, s := range cfg.Sides {
		if s.Name == "" || strings.Trim(s.Name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || seen[s.Name] {
			return fmt.Errorf("network: side name %q: want a new name of a-z, 0-9 and '-'", s.Name)
		}
		seen[s.Name] = true
	}
	return nil
}

// createNS makes a namespace without IPv6 (so that no link-local address
// becomes a WebRTC candidate).
func createNS(ctx context.Context, name string) (*netns.Namespace, error) {
	ns, err := netns.Create(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	err = netns.Do(ns.Path(), func() error {
		for _, f := range []string{"/proc/sys/net/ipv6/conf/all/disable_ipv6", "/proc/sys/net/ipv6/conf/default/disable_ipv6"} {
			if err := os.WriteFile(f, []byte("1"), 0o644); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("network: disable IPv6 in %s: %w", name, err), ns.Delete(context.WithoutCancel(ctx)))
	}
	return ns, nil
}

func (t *Topology) startForwarder(ctx context.Context, cfg Config, links []forwarder.LinkConfig) error {
	argv := cfg.Forwarder
	if len(argv) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("network: forwarder: %w", err)
		}
		argv = []string{exe, "link-forward"}
	}
	p, err := forwarder.Start(ctx, argv, cfg.ForwarderEnv, forwarder.Config{Links: links}, cfg.OnReport)
	if err != nil {
		return fmt.Errorf("network: %w", err)
	}
	t.fwd = p
	t.linkStart = p.LinkStart()
	return nil
}

// configure gives every end its address, brings it up and sets the routes.
func (t *Topology) configure(ctx context.Context) error {
	if err := t.Core.IP(ctx, "addr", "add", ServiceAddr.String()+"/32", "dev", "lo"); err != nil {
		return fmt.Errorf("network: service address: %w", err)
	}
	err := netns.Do(t.Core.Path(), func() error {
		return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644)
	})
	if err != nil {
		return fmt.Errorf("network: enable forwarding in the core: %w", err)
	}
	for i, s := range t.Sides {
		n := i + 1
		steps := []struct {
			ns   *netns.Namespace
			args []string
		}{
			{t.Core, []string{"addr", "add", coreAddr(n).String() + "/24", "dev", coreIface(n)}},
			{t.Core, []string{"link", "set", coreIface(n), "txqueuelen", "1000", "up"}},
			{s.linkNS(), []string{"addr", "add", s.Public.String() + "/24", "dev", sideIface}},
			{s.linkNS(), []string{"link", "set", sideIface, "txqueuelen", "1000", "up"}},
			{s.linkNS(), []string{"route", "add", "default", "via", s.Gateway.String(), "dev", sideIface}},
		}
		for _, st := range steps {
			if err := st.ns.IP(ctx, st.args...); err != nil {
				return fmt.Errorf("network: side %s: %w", s.Name, err)
			}
		}
		if err := t.configureRouter(ctx, s, n); err != nil {
			return err
		}
	}
	return nil
}

func (t *Topology) describe() string {
	var parts []string
	for _, s := range t.Sides {
		how := "veth"
		if s.Shaped {
			how = "forwarder"
		}
		behind := ""
		if s.Router != nil {
			behind = fmt.Sprintf(" behind a %s NAT at %s", s.NAT, s.Public)
		}
		parts = append(parts, fmt.Sprintf("%s=%s%s %s (%s)", s.Name, s.Addr, behind, s.Profile.Name, how))
	}
	return strings.Join(parts, ", ")
}

// Side returns the side named name, or nil.
func (t *Topology) Side(name string) *Side {
	for _, s := range t.Sides {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// ForwarderPID is the forwarder process's ID, 0 when no link is shaped.
func (t *Topology) ForwarderPID() int {
	if t.fwd == nil {
		return 0
	}
	return t.fwd.PID()
}

// Forwarder returns the forwarder process, nil when no link is shaped.
func (t *Topology) Forwarder() *forwarder.Process { return t.fwd }

// LinkTime returns the links' clock at wall-clock time at: the time since
// the forwarder started (0 without a forwarder).
func (t *Topology) LinkTime(at time.Time) time.Duration {
	if t.fwd == nil {
		return 0
	}
	return at.Sub(t.linkStart)
}

// StartSchedule starts the held schedules of the shaped links now.
func (t *Topology) StartSchedule() error {
	if t.fwd == nil {
		return nil
	}
	return t.fwd.StartSchedule()
}

// HTTPClient returns a client whose connections are made inside ns (for
// /metrics and health checks of parts that listen there).
func HTTPClient(ns *netns.Namespace) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = DialIn(ns)
	return &http.Client{Transport: tr}
}

// DialIn returns a dial function whose connections are made inside ns.
func DialIn(ns *netns.Namespace) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return netns.Dial(ctx, ns.Path(), network, addr)
	}
}

// Close stops the forwarder and removes every namespace (their veth pairs
// go with them). Stop the processes inside first. Safe to call more than once.
func (t *Topology) Close() error {
	t.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var errs []error
		if t.fwd != nil {
			errs = append(errs, t.fwd.Stop())
		}
		for _, s := range t.Sides {
			if s.NS != nil {
				errs = append(errs, s.NS.Delete(ctx))
			}
			if s.Router != nil {
				errs = append(errs, s.Router.Delete(ctx))
			}
		}
		if t.Core != nil {
			errs = append(errs, t.Core.Delete(ctx))
		}
		t.closeErr = errors.Join(errs...)
		t.logger.Info("network removed", "core", nameOf(t.Core), "err", t.closeErr)
	})
	return t.closeErr
}

func nameOf(ns *netns.Namespace) string {
	if ns == nil {
		return ""
	}
	return ns.Name
}

// Sweep removes the namespaces that harness processes which no longer run
// left behind (netns.Sweep).
func Sweep(ctx context.Context) ([]string, error) { return netns.Sweep(ctx) }

func (t *Topology) scheduling() string {
	if t.fwd == nil {
		return ""
	}
	return t.fwd.Scheduling()
}
