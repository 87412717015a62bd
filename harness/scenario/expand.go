package scenario

import (
	"fmt"
	"time"

	"echtzeit/harness/cgroup"
	"echtzeit/harness/nat"
	"echtzeit/harness/results"
	"echtzeit/internal/contract"
)

// Spec is one trial to run: a point of a block's sweep.
type Spec struct {
	// Index numbers the specs of a scenario from 0 in run order.
	Index int
	// Block is the index of the trial block the spec comes from.
	Block   int
	Kind    results.Kind
	Params  results.Params
	Warmup  time.Duration
	Measure time.Duration
	Timeout time.Duration
	// Settle is how long the media trial's first viewer tab is open before
	// it navigates (the scenario's settle).
	Settle time.Duration
	// SignalBytes is the load signals' payload size (signaling-load);
	// Aligned makes steady senders send at the same instants.
	SignalBytes int
	Aligned     bool
}

// Name is a readable label of the spec.
func (sp Spec) Name() string {
	p := sp.Params
	if sp.Kind == results.KindSignalingLoad {
		name := fmt.Sprintf("%s %s %d participants", sp.Kind, p.LoadMode, p.Participants)
		if p.LoadMode == "steady" {
			name += fmt.Sprintf(" %g/s", p.SignalRate)
		}
		if p.Nodes > 1 {
			name += fmt.Sprintf(" on %d nodes", p.Nodes)
		}
		return fmt.Sprintf("%s #%d", name, p.Repeat)
	}
	name := fmt.Sprintf("%s %s %s %s %dfps", sp.Kind, p.Resolution, p.Codec, p.Source, p.FPS)
	if p.Chart != nil && !*p.Chart {
		name += " no-chart"
	}
	if p.Sender == results.SenderGStreamer {
		name += " " + p.Sender
	}
	if p.CPU != "" {
		name += " cpu " + p.CPU
	}
	if p.CongestionControl != "" {
		name += " cc " + p.CongestionControl
	}
	if p.Network != "" {
		name += " over " + p.Network
		if p.ViewerNetwork != DefaultViewerNetwork {
			name += "/" + p.ViewerNetwork
		}
	}
	if p.Path != "" {
		name += " " + p.Path
	}
	if p.Viewers > 1 {
		name += fmt.Sprintf(" %d viewers", p.Viewers)
	}
	return fmt.Sprintf("%s #%d", name, p.Repeat)
}

// Estimate is a rough upper guess of the spec's wall time (for the ETA): warm-up,
// measurement and typical setup and teardown.
func (sp Spec) Estimate() time.Duration {
	// A media trial's setup (processes, page, first frame) and teardown,
	// the settle aside: 2.1 s mean, 2.6 s p90, 3.7 s max over the 105 media
	// trials of scenarios/thesis.yaml on the 2-core VM (run
	// 20261202T015242Z-thesis); the 90th percentile, so that a run's sum is
	// an upper guess without taking the slowest trial for all.
	setup := 2600 * time.Millisecond
	if sp.Params.Network != "" {
		setup += 3 * time.Second // namespaces, a signaling server and Chromium per trial, a slower first frame
	}
	warmup := sp.Warmup
	if sp.Kind == results.KindSignalingLoad {
		// A cluster's JetStream needs ~10 s to elect its leader.
		setup = 3*time.Second + time.Duration(sp.Params.Participants)*5*time.Millisecond
		if sp.Params.Nodes > 1 {
			setup += 15 * time.Second
		}
		if sp.Params.LoadMode == "session" {
			// The session window starts at the first dial: no settle, the
			// connecting is inside the measured time.
			warmup, setup = 0, 3*time.Second
		}
	}
	if sp.Params.Viewers > 1 {
		setup += time.Duration(sp.Params.Viewers-1) * time.Second
	}
	return sp.Settle + warmup + sp.Measure + setup
}

// Expand returns the scenario's trials in run order: block by block; within a
// block repeat by repeat (so drift spreads over all parameters), then sender,
// sender network, viewer network, CPU budget, congestion control, codec,
// source, resolution, frame rate, path, viewers and chart (participants for
// signaling-load).
func (s *Scenario) Expand() []Spec {
	var out []Spec
	for bi, b := range s.Trials {
		kind := results.Kind(b.Kind)
		base := Spec{Block: bi, Kind: kind, Warmup: b.Warmup.D(), Measure: b.Measure.D(), Timeout: b.Timeout.D()}
		for r := 1; r <= b.Repeats; r++ {
			if kind == results.KindSignalingLoad {
				for _, n := range b.Participants {
					for _, mode := range b.Modes {
						for _, nodes := range b.Nodes {
							sp := base
							sp.Params = results.Params{Participants: n, LoadMode: mode, Repeat: r}
							if mode == "steady" {
								sp.Params.SignalRate = b.Rate
							}
							if nodes > 1 {
								sp.Params.Nodes = nodes
							}
							sp.SignalBytes = b.SignalBytes
							sp.Aligned = b.Aligned
							out = append(out, sp)
						}
					}
				}
				continue
			}
			for _, p := range s.mediaParams(b, r) {
				sp := base
				sp.Params = p
				sp.Settle = s.Settle.D()
				out = append(out, sp)
			}
		}
	}
	for i := range out {
		out[i].Index = i
	}
	return out
}

// Estimate sums the specs' estimates.
func Estimate(specs []Spec) time.Duration {
	var d time.Duration
	for _, sp := range specs {
		d += sp.Estimate()
	}
	return d
}

// mediaParams are a media block's trials of repeat r: every combination of
// its axes, the first axis varying slowest.
func (s *Scenario) mediaParams(b Block, r int) []results.Params {
	ps := []results.Params{{Participants: 2, Viewers: 1, Repeat: r}}
	ps = cross(ps, senders(b), func(p *results.Params, v string) { p.Sender = v })
	nets, viewerNets := networkAxes(b)
	if nets[0] == "" && needsRouters(b.Paths) {
		// NAT routers live in an emulated network: lan unless the block says.
		nets, viewerNets = []string{DefaultViewerNetwork}, []string{DefaultViewerNetwork}
	}
	ps = cross(ps, nets, func(p *results.Params, n string) { p.Network = n })
	ps = cross(ps, viewerNets, func(p *results.Params, n string) { p.ViewerNetwork = n })
	ps = cross(ps, s.budgets(b), func(p *results.Params, bg cgroup.Budget) {
		p.CPU = bg.Name
		if bg.Limited() {
			cores := bg.Cores
			p.CPUCores = &cores
		}
	})
	ps = cross(ps, congestionControls(b), func(p *results.Params, cc string) { p.CongestionControl = cc })
	ps = cross(ps, b.Codecs, func(p *results.Params, c contract.Codec) { p.Codec = c })
	ps = cross(ps, b.Sources, func(p *results.Params, src string) { p.Source = src })
	ps = cross(ps, b.Resolutions, func(p *results.Params, res Resolution) {
		p.Width, p.Height, p.Resolution = res.Width, res.Height, res.String()
	})
	ps = cross(ps, b.FPS, func(p *results.Params, f int) { p.FPS = f })
	ps = cross(ps, pathsOrNone(b.Paths), func(p *results.Params, path string) { p.Path = path })
	ps = cross(ps, b.Viewers, func(p *results.Params, n int) { p.Viewers, p.Participants = n, 1+n })
	return cross(ps, b.Charts, func(p *results.Params, chart bool) { p.Chart = &chart })
}

// needsRouters reports whether a path of paths puts a NAT in front of a side.
func needsRouters(paths []string) bool {
	for _, name := range paths {
		if p, err := nat.ParsePath(name); err == nil && p.NeedsRouters() {
			return true
		}
	}
	return false
}

// pathsOrNone is the paths axis, or one empty path when the block has none.
func pathsOrNone(paths []string) []string {
	if len(paths) == 0 {
		return []string{""}
	}
	return paths
}

// cross returns every p of ps once for each value of vs, set by set.
func cross[T any](ps []results.Params, vs []T, set func(*results.Params, T)) []results.Params {
	out := make([]results.Params, 0, len(ps)*len(vs))
	for _, p := range ps {
		for _, v := range vs {
			q := p
			set(&q, v)
			out = append(out, q)
		}
	}
	return out
}

// senders are the senders of a media block's trials.
func senders(b Block) []string {
	if results.Kind(b.Kind) == results.KindBrowserToBrowser {
		return []string{results.SenderChromium}
	}
	if len(b.Senders) == 0 {
		return []string{results.SenderEchtzeit}
	}
	return b.Senders
}

// congestionControls are the camera's congestion-control settings of a media
// block's trials: one without a setting when the block has none.
func congestionControls(b Block) []string {
	if len(b.CongestionControls) == 0 {
		return []string{""}
	}
	return b.CongestionControls
}

// budgets are the CPU budgets of a media block's trials: one without a name
// (no cpu axis) when the block has none. Validate has checked them.
func (s *Scenario) budgets(b Block) []cgroup.Budget {
	if len(b.CPU) == 0 {
		return []cgroup.Budget{{}}
	}
	out := make([]cgroup.Budget, 0, len(b.CPU))
	for _, name := range b.CPU {
		if bg, err := cgroup.ParseBudget(name, s.CPUFactors); err == nil {
			out = append(out, bg)
		}
	}
	return out
}
