package scenario

import (
	"fmt"
	"time"

	"echtzeit/harness/results"
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
	if p.Chart != nil && !*p.Chart {
		name += " no-chart"
	}
	if p.Network != "" {
		name += " over " + p.Network
		if p.ViewerNetwork != DefaultViewerNetwork {
			name += "/" + p.ViewerNetwork
		}
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
	return sp.Warmup + sp.Measure + setup
}

// Expand returns the scenario's trials in run order: block by block; within a
// block repeat by repeat (so drift spreads over all parameters), then sender
// network, viewer network, codec, source, resolution, frame rate and chart
// (participants for signaling-load).
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
			nets, viewerNets := networkAxes(b)
			for _, net := range nets {
				for _, vnet := range viewerNets {
					for _, c := range b.Codecs {
						for _, src := range b.Sources {
							for _, res := range b.Resolutions {
								for _, f := range b.FPS {
									for _, chart := range b.Charts {
										sp := base
										sp.Params = results.Params{
											Width: res.Width, Height: res.Height, Resolution: res.String(),
											Codec: c, Sender: sender(kind), Source: src, FPS: f, Participants: 2,
											Chart: &chart, Repeat: r, Network: net, ViewerNetwork: vnet,
										}
										out = append(out, sp)
									}
								}
							}
						}
					}
				}
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

// sender is the sender of a media kind's trials.
func sender(k results.Kind) string {
	if k == results.KindBrowserToBrowser {
		return results.SenderChromium
	}
	return results.SenderEchtzeit
}
