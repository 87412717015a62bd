package stats

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// ErrLevel is returned for a confidence level outside (0, 1).
var ErrLevel = errors.New("confidence level must be between 0 and 1")

// DefaultLevel is the confidence level of the reports' intervals.
const DefaultLevel = 0.95

// DefaultResamples is the number of bootstrap resamples: with 2000 the
// 2.5th and 97.5th percentiles of the resampled means move by well under a
// tenth of the interval's width from one seed to the next.
const DefaultResamples = 2000

// defaultSeed makes every interval reproducible: the same values give the
// same interval, so a report rendered twice from the same run folder is the
// same file.
const defaultSeed = 0x6563687a656974 // "echzeit"

// Interval is an estimate with its confidence interval: Lo ≤ Estimate ≤ Hi
// at the confidence Level, from N values. With N < 2 there is no interval:
// Lo = Hi = Estimate and HasCI is false.
type Interval struct {
	Estimate float64 `json:"estimate"`
	Lo       float64 `json:"lo"`
	Hi       float64 `json:"hi"`
	N        int     `json:"n"`
	Level    float64 `json:"level"`
}

// HasCI reports whether the interval was computed (N ≥ 2).
func (iv Interval) HasCI() bool { return iv.N >= 2 }

// HalfWidth is half the interval's width (0 without an interval).
func (iv Interval) HalfWidth() float64 { return (iv.Hi - iv.Lo) / 2 }

// Contains reports whether v lies inside the interval (bounds included).
func (iv Interval) Contains(v float64) bool { return v >= iv.Lo && v <= iv.Hi }

// BootstrapOptions tune the bootstrap.
type BootstrapOptions struct {
	// Level is the confidence level (DefaultLevel when 0).
	Level float64
	// Resamples is the number of resamples (DefaultResamples when 0).
	Resamples int
	// Block is the length of the blocks a moving-block bootstrap resamples
	// (Künsch 1989): 1 (or 0) resamples single values, which assumes they
	// are independent (repeats of a trial); a series whose neighbours are
	// correlated (one-second samples: a stall spans several seconds) needs
	// blocks, see SeriesBlock.
	Block int
	// Seed seeds the resampling (a fixed default when 0).
	Seed uint64
}

func (o BootstrapOptions) withDefaults() (BootstrapOptions, error) {
	if o.Level == 0 {
		o.Level = DefaultLevel
	}
	if math.IsNaN(o.Level) || o.Level <= 0 || o.Level >= 1 {
		return o, fmt.Errorf("level %v: %w", o.Level, ErrLevel)
	}
	if o.Resamples <= 0 {
		o.Resamples = DefaultResamples
	}
	if o.Block < 1 {
		o.Block = 1
	}
	if o.Seed == 0 {
		o.Seed = defaultSeed
	}
	return o, nil
}

// SeriesBlock is the block length used for a series of n one-second
// samples: the cube root of n, rounded (the order Hall, Horowitz and Jing
// 1995 give for the variance of a mean), at least 1.
func SeriesBlock(n int) int {
	return max(1, int(math.Round(math.Cbrt(float64(n)))))
}

// BootstrapMean returns the mean of xs with its percentile bootstrap
// confidence interval (Efron & Tibshirani 1993, §13.3): the mean of each of
// o.Resamples resamples of xs (drawn with replacement, in blocks of
// o.Block), and the (1−level)/2 and (1+level)/2 percentiles of those means.
// With one value the interval is that value (HasCI false).
func BootstrapMean(xs []float64, o BootstrapOptions) (Interval, error) {
	o, err := o.withDefaults()
	if err != nil {
		return Interval{}, err
	}
	m, err := Mean(xs)
	if err != nil {
		return Interval{}, err
	}
	iv := Interval{Estimate: m, Lo: m, Hi: m, N: len(xs), Level: o.Level}
	if len(xs) < 2 {
		return iv, nil
	}
	means := resampleMeans(xs, o)
	alpha := (1 - o.Level) / 2 * 100
	iv.Lo = percentileSorted(means, alpha)
	iv.Hi = percentileSorted(means, 100-alpha)
	// The percentile interval of a skewed series can miss the mean by a
	// rounding step; keep Lo ≤ Estimate ≤ Hi.
	iv.Lo, iv.Hi = min(iv.Lo, m), max(iv.Hi, m)
	return iv, nil
}

// resampleMeans returns the sorted means of o.Resamples block resamples of xs.
func resampleMeans(xs []float64, o BootstrapOptions) []float64 {
	rng := rand.New(rand.NewPCG(o.Seed, uint64(len(xs))))
	n := len(xs)
	block := min(o.Block, n)
	starts := n - block + 1 // moving blocks: every start position
	means := make([]float64, o.Resamples)
	for r := range means {
		var sum float64
		taken := 0
		for taken < n {
			s := rng.IntN(starts)
			for k := 0; k < block && taken < n; k++ {
				sum += xs[s+k]
				taken++
			}
		}
		means[r] = sum / float64(n)
	}
	slices.Sort(means)
	return means
}

// BootstrapMeanDiff returns the difference of the means, mean(b) − mean(a),
// with the percentile bootstrap interval of that difference (a and b
// resampled independently, each in blocks of o.Block). A change is real at
// the interval's level when the interval does not contain 0. It needs at
// least two values on each side for an interval; with fewer, HasCI is
// false. N is min(len(a), len(b)).
func BootstrapMeanDiff(a, b []float64, o BootstrapOptions) (Interval, error) {
	o, err := o.withDefaults()
	if err != nil {
		return Interval{}, err
	}
	ma, err := Mean(a)
	if err != nil {
		return Interval{}, fmt.Errorf("first series: %w", err)
	}
	mb, err := Mean(b)
	if err != nil {
		return Interval{}, fmt.Errorf("second series: %w", err)
	}
	d := mb - ma
	iv := Interval{Estimate: d, Lo: d, Hi: d, N: min(len(a), len(b)), Level: o.Level}
	if len(a) < 2 || len(b) < 2 {
		return iv, nil
	}
	oa := o
	ob := o
	ob.Seed = o.Seed ^ 0x9e3779b97f4a7c15
	// Shuffled pairs of independent resamples: the resampled means are
	// sorted, so pair them through a permutation of one side.
	ra := resampleMeans(a, oa)
	rb := resampleMeans(b, ob)
	perm := rand.New(rand.NewPCG(o.Seed, 7)).Perm(len(rb))
	diffs := make([]float64, len(ra))
	for i := range ra {
		diffs[i] = rb[perm[i]] - ra[i]
	}
	slices.Sort(diffs)
	alpha := (1 - o.Level) / 2 * 100
	iv.Lo = min(percentileSorted(diffs, alpha), d)
	iv.Hi = max(percentileSorted(diffs, 100-alpha), d)
	return iv, nil
}

// WilsonInterval is the Wilson score interval of a success rate (Wilson,
// wilson.go) as an Interval: successes of n trials at the confidence level
// (DefaultLevel when 0). Small runs (3 of 3 set up) need it: it stays inside
// [0, 1] and is not empty at 0 or n successes.
func WilsonInterval(successes, n int, level float64) (Interval, error) {
	if level == 0 {
		level = DefaultLevel
	}
	if math.IsNaN(level) || level <= 0 || level >= 1 {
		return Interval{}, fmt.Errorf("level %v: %w", level, ErrLevel)
	}
	lo, hi, err := Wilson(successes, n, NormalQuantile(1-(1-level)/2))
	if err != nil {
		return Interval{}, err
	}
	return Interval{Estimate: float64(successes) / float64(n), Lo: lo, Hi: hi, N: n, Level: level}, nil
}

// NormalQuantile returns the p-quantile of the standard normal distribution
// (0 < p < 1), e.g. 1.959964 for 0.975: Acklam's rational approximation
// refined by one Halley step (relative error below 1e-15).
func NormalQuantile(p float64) float64 {
	if p <= 0 || p >= 1 || math.IsNaN(p) {
		return math.NaN()
	}
	a := [...]float64{-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
		1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00}
	b := [...]float64{-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
		6.680131188771972e+01, -1.328068155288572e+01}
	c := [...]float64{-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
		-2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00}
	d := [...]float64{7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00}
	const low = 0.02425
	var x float64
	switch {
	case p < low:
		q := math.Sqrt(-2 * math.Log(p))
		x = (((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q + c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q + 1)
	case p <= 1-low:
		q := p - 0.5
		r := q * q
		x = (((((a[0]*r+a[1])*r+a[2])*r+a[3])*r+a[4])*r + a[5]) * q / (((((b[0]*r+b[1])*r+b[2])*r+b[3])*r+b[4])*r + 1)
	default:
		q := math.Sqrt(-2 * math.Log(1-p))
		x = -(((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q + c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q + 1)
	}
	// One Halley step on Φ(x) − p.
	e := 0.5*math.Erfc(-x/math.Sqrt2) - p
	u := e * math.Sqrt(2*math.Pi) * math.Exp(x*x/2)
	return x - u/(1+x*u/2)
}
