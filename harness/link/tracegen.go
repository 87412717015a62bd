package link

import (
	"math"
	"math/rand/v2"
	"time"
)

// TraceShape describes a varying link for GenerateTrace: its capacity is a
// random walk in log space around Mean (an Ornstein–Uhlenbeck process
// sampled every Step), kept within [Min, Max], with fades: now and then the
// capacity falls to a tenth for a while, as a mobile link does when the
// signal is weak or the cell changes.
type TraceShape struct {
	Duration time.Duration // length of one pass (the trace loops)
	Step     time.Duration // how often the capacity changes (100ms)
	Mean     Bitrate       // the level the walk returns to
	Min, Max Bitrate       // bounds of the capacity
	// Volatility is the walk's standard deviation per step in log space
	// (0.15: about ±15 % per step); Reversion pulls it back to Mean (0.05
	// of the distance per step).
	Volatility, Reversion float64
	// FadeEvery is the mean time between fades; FadeFor their mean length.
	FadeEvery, FadeFor time.Duration
}

// LTEShape is the shape of the shipped LTE-like traces: mean rate mean,
// between a twentieth and three times of it, fades every 8 s for 0.7 s.
func LTEShape(mean Bitrate, d time.Duration) TraceShape {
	return TraceShape{
		Duration: d, Step: 100 * time.Millisecond, Mean: mean, Min: mean / 20, Max: mean * 3,
		Volatility: 0.15, Reversion: 0.05, FadeEvery: 8 * time.Second, FadeFor: 700 * time.Millisecond,
	}
}

// GenerateTrace returns a Mahimahi trace of the shape s, the same for the
// same seed: for every millisecond the capacity of that millisecond is added
// to a byte budget, and each full OpportunityBytes of it becomes one line.
func GenerateTrace(name string, s TraceShape, seed uint64) *Trace {
	rng := rand.New(rand.NewPCG(seed, 0x7472616365))
	logMean := math.Log(float64(s.Mean))
	lo, hi := math.Log(float64(s.Min)), math.Log(float64(s.Max))
	x := logMean
	tr := &Trace{Name: name}
	budget := 0.0
	fadeLeft := time.Duration(0)
	stepMs := max(int64(s.Step/time.Millisecond), 1)
	total := int64(s.Duration / time.Millisecond)
	pFade := float64(s.Step) / float64(s.FadeEvery)
	for ms := int64(0); ms < total; ms++ {
		if ms%stepMs == 0 {
			x += s.Reversion*(logMean-x) + s.Volatility*rng.NormFloat64()
			x = min(max(x, lo), hi)
			switch {
			case fadeLeft > 0:
				fadeLeft -= s.Step
			case s.FadeEvery > 0 && rng.Float64() < pFade:
				fadeLeft = time.Duration(rng.ExpFloat64() * float64(s.FadeFor))
			}
		}
		rate := math.Exp(x)
		if fadeLeft > 0 {
			rate /= 10
		}
		budget += rate / 8 / 1000
		for budget >= OpportunityBytes {
			budget -= OpportunityBytes
			tr.Ms = append(tr.Ms, ms+1)
		}
	}
	if len(tr.Ms) == 0 || tr.Ms[len(tr.Ms)-1] != total {
		// The last line is the period: end the pass at its full length.
		tr.Ms = append(tr.Ms, total)
	}
	return tr
}
