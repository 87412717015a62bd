package stats

import (
	"fmt"
	"math"
)

// Z95 is the standard normal quantile of a two-sided 95 % interval.
const Z95 = 1.959963984540054

// Wilson returns the Wilson score interval of a proportion: k successes in n
// trials, at the confidence of the normal quantile z (Z95 for 95 %). Unlike the
// normal ("Wald") interval it stays within [0, 1] and is usable for small n
// and for proportions near 0 or 1 (E. B. Wilson, J. Am. Stat. Assoc. 22, 1927;
// Brown, Cai and DasGupta, Statistical Science 16, 2001).
func Wilson(k, n int, z float64) (lo, hi float64, err error) {
	if n <= 0 || k < 0 || k > n {
		return 0, 0, fmt.Errorf("wilson interval of %d in %d: %w", k, n, ErrEmpty)
	}
	if !(z > 0) {
		return 0, 0, fmt.Errorf("wilson interval: quantile %v must be positive", z)
	}
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	center := (p + z2/(2*nf)) / (1 + z2/nf)
	half := z / (1 + z2/nf) * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	lo, hi = max(center-half, 0), min(center+half, 1)
	// At k = 0 or k = n the bound on that side is exactly 0 or 1.
	if k == 0 {
		lo = 0
	}
	if k == n {
		hi = 1
	}
	return lo, hi, nil
}
