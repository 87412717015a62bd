package probe

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHistogram(t *testing.T) {
	text := `# TYPE x_seconds histogram
x_seconds_bucket{le="0.001"} 10
x_seconds_bucket{le="0.002"} 30
x_seconds_bucket{le="0.004"} 40
x_seconds_bucket{le="+Inf"} 40
x_seconds_sum 0.05
x_seconds_count 40
y_bucket{le="1"} 3
`
	m, err := ParseMetrics(strings.NewReader(text))
	require.NoError(t, err)
	b := Buckets(m, "x_seconds")
	require.Len(t, b, 4)
	assert.Equal(t, 0.001, b[0].LE)
	assert.True(t, math.IsInf(b[3].LE, 1))

	tests := []struct {
		q    float64
		want float64
	}{
		{q: 0.25, want: 0.001},   // rank 10: the top of the first bucket
		{q: 0.5, want: 0.0015},   // rank 20: halfway through (0.001, 0.002]
		{q: 0.95, want: 0.0036},  // rank 38: 8 of 10 into (0.002, 0.004]
		{q: 0.125, want: 0.0005}, // rank 5: half of (0, 0.001]
		{q: 1, want: 0.004},
	}
	for _, tc := range tests {
		got, ok := HistogramQuantile(tc.q, b)
		require.True(t, ok)
		assert.InDelta(t, tc.want, got, 1e-12, "q=%v", tc.q)
	}

	// Between two scrapes: 20 new observations, all in (0.002, 0.004].
	later := []Bucket{{0.001, 10}, {0.002, 30}, {0.004, 60}, {math.Inf(1), 60}}
	d := BucketDelta(b, later)
	got, ok := HistogramQuantile(0.5, d)
	require.True(t, ok)
	assert.InDelta(t, 0.003, got, 1e-12)

	_, ok = HistogramQuantile(0.5, BucketDelta(b, b))
	assert.False(t, ok, "no observations")
	// Everything above the last finite bound reports that bound.
	got, ok = HistogramQuantile(0.99, []Bucket{{0.001, 0}, {math.Inf(1), 5}})
	require.True(t, ok)
	assert.Equal(t, 0.001, got)
}
