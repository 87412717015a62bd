package stats

import (
	"fmt"
	"math"
	"slices"
)

// Mean returns the arithmetic mean of xs.
func Mean(xs []float64) (float64, error) {
	if err := check(xs); err != nil {
		return 0, err
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs)), nil
}

// Percentile returns the p-th percentile (0 ≤ p ≤ 100) of xs by linear
// interpolation between closest ranks (Hyndman–Fan definition 7, see the
// package doc). xs is not modified.
func Percentile(xs []float64, p float64) (float64, error) {
	if err := check(xs); err != nil {
		return 0, err
	}
	if math.IsNaN(p) || p < 0 || p > 100 {
		return 0, fmt.Errorf("percentile %v: %w", p, ErrPercentile)
	}
	return percentileSorted(sorted(xs), p), nil
}

// percentileSorted is Percentile on an already sorted, non-empty slice.
func percentileSorted(s []float64, p float64) float64 {
	h := float64(len(s)-1) * p / 100
	lo := math.Floor(h)
	i := int(lo)
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[i] + (h-lo)*(s[i+1]-s[i])
}

// Summary describes a series in the few numbers the reports print.
type Summary struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	Min  float64 `json:"min"`
	P5   float64 `json:"p5"`
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	Max  float64 `json:"max"`
}

// Summarize computes the Summary of xs. xs is not modified.
func Summarize(xs []float64) (Summary, error) {
	if err := check(xs); err != nil {
		return Summary{}, err
	}
	s := sorted(xs)
	mean, _ := Mean(s) // cannot fail: checked above
	return Summary{
		N:    len(s),
		Mean: mean,
		Min:  s[0],
		P5:   percentileSorted(s, 5),
		P50:  percentileSorted(s, 50),
		P95:  percentileSorted(s, 95),
		Max:  s[len(s)-1],
	}, nil
}

func check(xs []float64) error {
	if len(xs) == 0 {
		return ErrEmpty
	}
	for i, x := range xs {
		if math.IsNaN(x) {
			return fmt.Errorf("value %d: %w", i, ErrNaN)
		}
	}
	return nil
}

func sorted(xs []float64) []float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s
}
