package link

import (
	"fmt"
	"math/rand/v2"
)

// GilbertElliott is a two-state Markov loss model (Gilbert 1960, Elliott
// 1963): per packet the link moves from the good to the bad state with
// probability P and back with probability R, then loses the packet with
// LossGood or LossBad. The long-run loss is
// (R·LossGood + P·LossBad) / (P + R); with LossGood 0 and LossBad 1 a loss
// burst lasts 1/R packets on average.
type GilbertElliott struct {
	P        Percent `yaml:"p" json:"p"`
	R        Percent `yaml:"r" json:"r"`
	LossGood Percent `yaml:"loss-good" json:"lossGood"`
	LossBad  Percent `yaml:"loss-bad" json:"lossBad"`
}

// BurstLoss returns the Gilbert model (no loss in the good state, every
// packet lost in the bad one) with the given long-run loss rate and mean
// burst length in packets (burst ≥ 1, 0 ≤ loss < 1).
func BurstLoss(loss, burst float64) GilbertElliott {
	r := 1 / burst
	return GilbertElliott{P: Percent(loss * r / (1 - loss)), R: Percent(r), LossBad: 1}
}

// Rate returns the long-run loss rate of the model.
func (g GilbertElliott) Rate() float64 {
	if g.P+g.R == 0 {
		return float64(g.LossGood)
	}
	return float64(g.R*g.LossGood+g.P*g.LossBad) / float64(g.P+g.R)
}

func (g GilbertElliott) validate() error {
	if g.P+g.R == 0 {
		return fmt.Errorf("'p' and 'r' must not both be 0%%")
	}
	return nil
}

// lossModel decides, packet by packet, which packets the link loses.
type lossModel struct {
	rng  *rand.Rand
	p    float64         // Bernoulli loss probability (when ge is nil)
	ge   *GilbertElliott // bursty model, or nil
	bad  bool            // Gilbert–Elliott state
	none bool            // no loss at all: the rng is not touched
}

func newLossModel(rng *rand.Rand) *lossModel { return &lossModel{rng: rng, none: true} }

// set changes the model's parameters; a Gilbert–Elliott model keeps its state.
func (m *lossModel) set(p Params) {
	switch {
	case p.GE != nil:
		ge := *p.GE
		m.ge, m.none = &ge, false
	case p.Loss > 0 && p.LossBurst > 1:
		ge := BurstLoss(p.Loss, p.LossBurst)
		m.ge, m.none = &ge, false
	default:
		m.ge, m.p, m.bad = nil, p.Loss, false
		m.none = p.Loss == 0
	}
}

// lose reports whether the next packet is lost.
func (m *lossModel) lose() bool {
	switch {
	case m.none:
		return false
	case m.ge == nil:
		return m.rng.Float64() < m.p
	}
	if m.bad {
		if m.rng.Float64() < float64(m.ge.R) {
			m.bad = false
		}
	} else if m.rng.Float64() < float64(m.ge.P) {
		m.bad = true
	}
	if m.bad {
		return m.rng.Float64() < float64(m.ge.LossBad)
	}
	return m.rng.Float64() < float64(m.ge.LossGood)
}
