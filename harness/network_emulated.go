package harness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"echtzeit/harness/browser"
	"echtzeit/harness/forwarder"
	"echtzeit/harness/link"
	"echtzeit/harness/nat"
	"echtzeit/harness/netns"
	emnet "echtzeit/harness/network"
	"echtzeit/harness/probe"
	"echtzeit/harness/results"
	"echtzeit/harness/scenario"
)

// coreSignalingPort is where the signaling server listens in a trial's core
// namespace (a fresh namespace: any port is free).
const coreSignalingPort = 8443

// emulatedNetwork is a trial's own emulated network (SPEC §7, package
// network): the sender and the viewers in namespaces of their own, each
// behind its access link (params.network, params.viewerNetwork), and a core
// namespace with a signaling server started for the trial. Every part of the
// trial, Chromium included, is started per trial on its side.
type emulatedNetwork struct {
	r                  *runner
	index              int
	name, viewerName   string
	senderLP, viewerLP *link.Profile
	path               nat.Path // the NATs in front of the sides

	topo     *emnet.Topology
	ep       *endpoint
	browsers [2]*launch // per side, started in Setup for the sides that need one
	clients  [2]*http.Client
	needs    [2]int // fake camera fps of each side's Chromium, 0: none needed

	lastReport *forwarder.Report // of the previous Sample, for rates
}

// prepareNetworks checks that a scenario with emulated networks can build
// them (root) and removes the namespaces of harness processes that died
// without removing theirs.
func prepareNetworks(ctx context.Context, specs []scenario.Spec, logger *slog.Logger) error {
	if !slices.ContainsFunc(specs, func(sp scenario.Spec) bool { return sp.Params.Network != "" }) {
		return nil
	}
	if os.Geteuid() != 0 {
		return errors.New("the scenario's trials have emulated networks: run the harness as root (network namespaces, TUN devices)")
	}
	removed, err := emnet.Sweep(ctx)
	if len(removed) > 0 {
		logger.Info("removed namespaces of harness processes that no longer run", "names", removed)
	}
	if err != nil {
		logger.Warn("remove stale namespaces", "err", err)
	}
	return nil
}

// newNetwork returns the network of a media trial: the host's loopback, or
// an emulated one when the trial names a network.
func (r *runner) newNetwork(index int, p results.Params) (network, error) {
	if p.Network == "" {
		return hostNetwork{r: r}, nil
	}
	n := &emulatedNetwork{r: r, index: index, name: p.Network, viewerName: p.ViewerNetwork}
	if p.Path != "" {
		var err error
		if n.path, err = nat.ParsePath(p.Path); err != nil {
			return nil, err
		}
	}
	n.needs[viewerSide] = 30
	if p.Sender == results.SenderChromium {
		n.needs[senderSide] = p.FPS
	}
	var err error
	if n.senderLP, err = r.sc.Profile(p.Network); err != nil {
		return nil, err
	}
	if n.viewerLP, err = r.sc.Profile(p.ViewerNetwork); err != nil {
		return nil, err
	}
	return n, nil
}

func (n *emulatedNetwork) Name() string { return n.name }

func (n *emulatedNetwork) Setup(ctx context.Context) error {
	topo, err := emnet.Build(ctx, emnet.Config{
		Name: fmt.Sprintf("t%d", n.index),
		Sides: []emnet.SideConfig{
			{Name: senderSide.String(), Profile: n.senderLP, NAT: n.path.Sender},
			{Name: viewerSide.String(), Profile: n.viewerLP, NAT: n.path.Viewer},
		},
		Forwarder:    n.r.cfg.Forwarder,
		ForwarderEnv: n.r.cfg.ForwarderEnv,
		HoldSchedule: true,
		Logger:       n.r.logger,
	})
	if err != nil {
		return err
	}
	n.topo = topo
	for _, s := range []side{senderSide, viewerSide} {
		c := emnet.HTTPClient(n.ns(s))
		c.Timeout = 3 * time.Second
		n.clients[s] = c
	}
	bin, err := n.r.signalingBinary()
	if err != nil {
		return err
	}
	core := topo.Core
	n.ep, err = startSignaling(ctx, bin, n.r.signalingConfig(), signalingPlace{
		prefix: core.Prefix(),
		host:   emnet.ServiceAddr.String(),
		port:   coreSignalingPort,
		dial:   emnet.DialIn(core),
	}, n.r.logger)
	if err != nil {
		return &partError{part: results.ProcessSignaling, reason: err.Error()}
	}
	// Chromium takes a second or more to start (much more on a busy
	// machine): the sides' browsers start now, beside each other and the
	// sender, and Browser waits for them.
	for s, fps := range n.needs {
		if fps > 0 {
			n.browsers[s] = n.launch(ctx, side(s), fps)
		}
	}
	return nil
}

// launch is a Chromium being started in the background.
type launch struct {
	done chan struct{}
	br   *browser.Browser
	err  error
}

func (l *launch) wait(ctx context.Context) (*browser.Browser, error) {
	select {
	case <-l.done:
		return l.br, l.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// launch starts the Chromium of side s in its namespace: no loopback
// candidates, the access link is the only way out.
func (n *emulatedNetwork) launch(ctx context.Context, s side, fps int) *launch {
	opts := []browser.Option{
		browser.WithFakeCamera(fps),
		browser.WithIgnoreCertErrors(),
		browser.WithAutoplay(),
		browser.WithLogger(n.r.logger),
		browser.WithCommandPrefix(n.Prefix(s)...),
	}
	opts = append(append(opts, n.r.browserTrust()...), n.r.cfg.BrowserOptions...)
	l := &launch{done: make(chan struct{})}
	go func() {
		defer close(l.done)
		lctx, cancel := context.WithTimeout(ctx, 45*time.Second)
		defer cancel()
		start := time.Now()
		br, err := browser.Launch(lctx, opts...)
		if err != nil {
			l.err = &partError{part: results.ProcessBrowser, reason: fmt.Sprintf("launch chromium on the %s side: %v", s, err)}
			return
		}
		n.r.logger.Info("chromium launched", "side", s, "pid", br.PID(), "took", time.Since(start).Round(time.Millisecond))
		l.br = br
	}()
	return l
}

func (n *emulatedNetwork) ns(s side) *netns.Namespace { return n.topo.Side(s.String()).NS }

func (n *emulatedNetwork) Teardown() error {
	errs := make([]error, len(n.browsers))
	var wg sync.WaitGroup
	for i, l := range n.browsers {
		if l == nil {
			continue
		}
		wg.Add(1)
		go func() { // both sides' Chromium close at once
			defer wg.Done()
			<-l.done
			if l.br != nil {
				errs[i] = l.br.Close()
			}
		}()
	}
	wg.Wait()
	n.browsers = [2]*launch{}
	if n.ep != nil {
		errs = append(errs, n.ep.stop())
		n.ep.http.CloseIdleConnections()
	}
	for _, c := range n.clients {
		if c != nil {
			c.CloseIdleConnections()
		}
	}
	if n.topo != nil {
		errs = append(errs, n.topo.Close())
	}
	return errors.Join(errs...)
}

func (n *emulatedNetwork) Signaling(context.Context) (*endpoint, error) {
	if n.ep == nil {
		return nil, errors.New("the network has no signaling server")
	}
	return n.ep, nil
}

// Browser returns the side's own Chromium (started in Setup), starting it
// now when Setup did not.
func (n *emulatedNetwork) Browser(ctx context.Context, s side, fps int) (*browser.Browser, bool, error) {
	if n.browsers[s] == nil {
		if fps <= 0 {
			fps = 30
		}
		n.browsers[s] = n.launch(ctx, s, fps)
	}
	br, err := n.browsers[s].wait(ctx)
	return br, true, err
}

func (n *emulatedNetwork) Prefix(s side) []string { return n.ns(s).Prefix() }

func (n *emulatedNetwork) HTTPClient(s side) *http.Client { return n.clients[s] }

func (n *emulatedNetwork) Loopback() bool { return false }

func (n *emulatedNetwork) AddProbes(tr *probe.Tracker) {
	if pid := n.topo.ForwarderPID(); pid != 0 {
		tr.Add(probe.Target{Name: results.ProcessForwarder, PID: pid})
	}
}

// Check fails when the forwarder (the shaped links) is gone.
func (n *emulatedNetwork) Check() error {
	f := n.topo.Forwarder()
	if f == nil {
		return nil
	}
	select {
	case <-f.Done():
		return &partError{part: results.ProcessForwarder, reason: "forwarder exited: " + f.ExitText(), tail: tailLines(f.Stderr(), 20)}
	default:
		return nil
	}
}

func (n *emulatedNetwork) FirstFrame() error { return n.topo.StartSchedule() }

// Sample returns one ProcessLink row per new forwarder report: the media
// path's capacity (the sender's uplink and the viewers' downlink, whichever
// is smaller) over the report's interval, what the sender's uplink carried
// and what it lost or dropped. Without a shaped link there is none.
func (n *emulatedNetwork) Sample(trial int, trialStart, now time.Time, measuring bool) []results.Sample {
	f := n.topo.Forwarder()
	if f == nil {
		return nil
	}
	rep := f.Last()
	if rep == nil || (n.lastReport != nil && rep.T == n.lastReport.T) {
		return nil
	}
	prev := n.lastReport
	n.lastReport = rep
	row := results.NewSample(trial, results.ProcessLink)
	row.T, row.Time, row.Measuring = now.Sub(trialStart).Seconds(), now, measuring
	capacity := math.Inf(1)
	for _, l := range rep.Links {
		var d forwarder.DirReport
		switch l.Name {
		case senderSide.String():
			d = l.Up
		case viewerSide.String():
			d = l.Down
		default:
			continue
		}
		if d.CapacityBps != nil {
			capacity = math.Min(capacity, *d.CapacityBps)
		}
		if l.Name != senderSide.String() || prev == nil {
			continue
		}
		for _, pl := range prev.Links {
			if pl.Name != l.Name {
				continue
			}
			if dt := rep.T - prev.T; dt > 0 {
				row.BitrateKbps = float64(d.DeliveredBytes-pl.Up.DeliveredBytes) * 8 / dt / 1000
			}
			if sent := d.Sent - pl.Up.Sent; sent > 0 {
				row.PacketLossPct = float64(d.Lost+d.Dropped-pl.Up.Lost-pl.Up.Dropped) / float64(sent) * 100
			}
		}
	}
	if !math.IsInf(capacity, 1) {
		row.LinkKbps = capacity / 1000
	}
	return []results.Sample{row}
}
