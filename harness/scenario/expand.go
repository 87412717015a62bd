package scenario

import (
	"fmt"
	"time"

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
	// SignalBytes is the load signals' payload size (signaling-load).
	SignalBytes int
}

// Name is a readable label of the spec.
func (sp Spec) Name() string {
	p := sp.Params
	if sp.Kind == results.KindSignalingLoad {
		return fmt.Sprintf("%s %d participants %g/s #%d", sp.Kind, p.Participants, p.SignalRate, p.Repeat)
	}
	name := fmt.Sprintf("%s %s %s %s %dfps", sp.Kind, p.Resolution, p.Codec, p.Source, p.FPS)
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
	if p.Chart != nil && !*p.Chart {
		name += " no-chart"
	}
	return fmt.Sprintf("%s #%d", name, p.Repeat)
}

// Estimate is a rough upper guess of the spec's wall time (for the ETA): warm-up,
// measurement and typical setup and teardown.
func (sp Spec) Estimate() time.Duration {
	setup := 4 * time.Second
	if sp.Params.Network != "" {
		setup += 3 * time.Second // namespaces, a signaling server and Chromium per trial, a slower first frame
	}
	if sp.Kind == results.KindSignalingLoad {
		setup = 3*time.Second + time.Duration(sp.Params.Participants)*5*time.Millisecond
	}
	if sp.Params.Viewers > 1 {
		setup += time.Duration(sp.Params.Viewers-1) * time.Second
	}
	return sp.Warmup + sp.Measure + setup
}

// Expand returns the scenario's trials in run order: block by block; within a
// block repeat by repeat (so drift spreads over all parameters), then sender
// network, viewer network, codec, source, resolution, frame rate, path,
// viewers and chart (participants for signaling-load).
func (s *Scenario) Expand() []Spec {
	var out []Spec
	for bi, b := range s.Trials {
		kind := results.Kind(b.Kind)
		base := Spec{Block: bi, Kind: kind, Warmup: b.Warmup.D(), Measure: b.Measure.D(), Timeout: b.Timeout.D()}
		for r := 1; r <= b.Repeats; r++ {
			if kind == results.KindSignalingLoad {
				for _, n := range b.Participants {
					sp := base
					sp.Params = results.Params{Participants: n, SignalRate: b.Rate, Repeat: r}
					sp.SignalBytes = b.SignalBytes
					out = append(out, sp)
				}
				continue
			}
			for _, p := range mediaParams(b, kind, r) {
				sp := base
				sp.Params = p
				out = append(out, sp)
			}
		}
	}
	for i := range out {
		out[i].Index = i
	}
	return out
}

// mediaParams returns the trials of one repeat of a media block, the first
// axis outermost: sender network, viewer network, codec, source, resolution,
// frame rate, path, viewers, chart.
func mediaParams(b Block, kind results.Kind, r int) []results.Params {
	nets, viewerNets := networkAxes(b)
	if nets[0] == "" && needsRouters(b.Paths) {
		// NAT routers live in an emulated network: lan unless the block says.
		nets, viewerNets = []string{DefaultViewerNetwork}, []string{DefaultViewerNetwork}
	}
	ps := []results.Params{{Sender: sender(kind), Repeat: r}}
	ps = axis(ps, nets, func(p *results.Params, v string) { p.Network = v })
	ps = axis(ps, viewerNets, func(p *results.Params, v string) { p.ViewerNetwork = v })
	ps = axis(ps, b.Codecs, func(p *results.Params, v contract.Codec) { p.Codec = v })
	ps = axis(ps, b.Sources, func(p *results.Params, v string) { p.Source = v })
	ps = axis(ps, b.Resolutions, func(p *results.Params, v Resolution) {
		p.Width, p.Height, p.Resolution = v.Width, v.Height, v.String()
	})
	ps = axis(ps, b.FPS, func(p *results.Params, v int) { p.FPS = v })
	ps = axis(ps, pathsOrNone(b.Paths), func(p *results.Params, v string) { p.Path = v })
	ps = axis(ps, b.Viewers, func(p *results.Params, v int) { p.Viewers, p.Participants = v, 1+v })
	return axis(ps, b.Charts, func(p *results.Params, v bool) { p.Chart = &v })
}

// axis returns every p of ps combined with every value of vals, in order.
func axis[T any](ps []results.Params, vals []T, set func(*results.Params, T)) []results.Params {
	out := make([]results.Params, 0, len(ps)*len(vals))
	for _, p := range ps {
		for _, v := range vals {
			q := p
			set(&q, v)
			out = append(out, q)
		}
	}
	return out
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

// Estimate sums the specs' estimates.
func Estimate(specs []Spec) time.Duration {
	var d time.Duration
	for _, sp := range specs {
		d += sp.Estimate()
	}
	return d
}

// sender is the sender of a media kind's trials.
func sender(k results.Kind) string {
	if k == results.KindBrowserToBrowser {
		return results.SenderChromium
	}
	return results.SenderEchtzeit
}
