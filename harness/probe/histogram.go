package probe

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// Bucket is one cumulative bucket of a Prometheus histogram: Count
// observations were at most LE.
type Bucket struct {
	LE    float64
	Count float64
}

// Buckets extracts the buckets of histogram name (without the _bucket suffix)
// from parsed metrics, sorted by LE. Series with other labels than le are
// ignored, so it is meant for unlabelled histograms.
func Buckets(m map[string]float64, name string) []Bucket {
	prefix := name + `_bucket{le="`
	var out []Bucket
	for series, v := range m {
		rest, ok := strings.CutPrefix(series, prefix)
		if !ok {
			continue
		}
		le, ok := strings.CutSuffix(rest, `"}`)
		if !ok {
			continue
		}
		bound, err := strconv.ParseFloat(le, 64) // "+Inf" parses as +Inf
		if err != nil {
			continue
		}
		out = append(out, Bucket{LE: bound, Count: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LE < out[j].LE })
	return out
}

// BucketDelta returns cur − prev per bucket: the observations between two
// scrapes. prev may be nil; buckets must have the same bounds.
func BucketDelta(prev, cur []Bucket) []Bucket {
	out := make([]Bucket, len(cur))
	for i, b := range cur {
		out[i] = b
		if i < len(prev) && prev[i].LE == b.LE {
			out[i].Count = max(0, b.Count-prev[i].Count)
		}
	}
	return out
}

// HistogramQuantile estimates the q-quantile (0..1) of cumulative buckets the
// way Prometheus's histogram_quantile does: linear interpolation inside the
// bucket that holds the rank, the lower bound of the first bucket taken as 0,
// and the last finite bound when the rank falls into +Inf. ok is false when
// there are no observations.
func HistogramQuantile(q float64, b []Bucket) (v float64, ok bool) {
	if len(b) == 0 || q < 0 || q > 1 {
		return 0, false
	}
	total := b[len(b)-1].Count
	if total <= 0 {
		return 0, false
	}
	rank := q * total
	i := sort.Search(len(b), func(i int) bool { return b[i].Count >= rank })
	if i >= len(b) {
		i = len(b) - 1
	}
	if math.IsInf(b[i].LE, 1) {
		if i == 0 {
			return 0, false
		}
		return b[i-1].LE, true
	}
	lower, below := 0.0, 0.0
	if i > 0 {
		lower, below = b[i-1].LE, b[i-1].Count
	}
	inBucket := b[i].Count - below
	if inBucket <= 0 {
		return b[i].LE, true
	}
	return lower + (b[i].LE-lower)*(rank-below)/inBucket, true
}
