package stats

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentile(t *testing.T) {
	// Expected values agree with numpy.percentile(xs, p) (linear, the default).
	cases := []struct {
		name string
		xs   []float64
		p    float64
		want float64
	}{
		{"single value p5", []float64{7}, 5, 7},
		{"single value p95", []float64{7}, 95, 7},
		{"two values median", []float64{10, 20}, 50, 15},
		{"odd median", []float64{1, 2, 3, 4, 5}, 50, 3},
		{"p5 interpolates", []float64{1, 2, 3, 4, 5}, 5, 1.2},
		{"p95 interpolates", []float64{1, 2, 3, 4, 5}, 95, 4.8},
		{"unsorted input", []float64{5, 1, 4, 2, 3}, 95, 4.8},
		{"p0 is min", []float64{3, -1, 2}, 0, -1},
		{"p100 is max", []float64{3, -1, 2}, 100, 3},
		{"p25 of 1..10", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 25, 3.25},
		{"duplicates", []float64{2, 2, 2, 9}, 50, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Percentile(c.xs, c.p)
			require.NoError(t, err)
			assert.InDelta(t, c.want, got, 1e-9)
		})
	}
}

func TestPercentileDoesNotModifyInput(t *testing.T) {
	xs := []float64{3, 1, 2}
	_, err := Percentile(xs, 50)
	require.NoError(t, err)
	assert.Equal(t, []float64{3, 1, 2}, xs)
}

func TestPercentileErrors(t *testing.T) {
	cases := []struct {
		name string
		xs   []float64
		p    float64
		want error
	}{
		{"empty", nil, 50, ErrEmpty},
		{"NaN value", []float64{1, math.NaN()}, 50, ErrNaN},
		{"negative p", []float64{1}, -1, ErrPercentile},
		{"p over 100", []float64{1}, 100.5, ErrPercentile},
		{"NaN p", []float64{1}, math.NaN(), ErrPercentile},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Percentile(c.xs, c.p)
			require.ErrorIs(t, err, c.want)
		})
	}
}

func TestMean(t *testing.T) {
	cases := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"one", []float64{4}, 4},
		{"several", []float64{1, 2, 3, 4}, 2.5},
		{"negative", []float64{-2, 2}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Mean(c.xs)
			require.NoError(t, err)
			assert.InDelta(t, c.want, got, 1e-12)
		})
	}
	_, err := Mean(nil)
	require.ErrorIs(t, err, ErrEmpty)
}

func TestSummarize(t *testing.T) {
	cases := []struct {
		name string
		xs   []float64
		want Summary
	}{
		{"one value", []float64{30}, Summary{N: 1, Mean: 30, Min: 30, P5: 30, P50: 30, P95: 30, Max: 30}},
		{"fps series", []float64{30, 29, 31, 15, 30}, Summary{N: 5, Mean: 27, Min: 15, P5: 17.8, P50: 30, P95: 30.8, Max: 31}},
		{"1..21", seq(1, 21), Summary{N: 21, Mean: 11, Min: 1, P5: 2, P50: 11, P95: 20, Max: 21}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Summarize(c.xs)
			require.NoError(t, err)
			assert.Equal(t, c.want.N, got.N)
			for _, f := range []struct {
				name      string
				want, got float64
			}{
				{"mean", c.want.Mean, got.Mean}, {"min", c.want.Min, got.Min},
				{"p5", c.want.P5, got.P5}, {"p50", c.want.P50, got.P50},
				{"p95", c.want.P95, got.P95}, {"max", c.want.Max, got.Max},
			} {
				assert.InDelta(t, f.want, f.got, 1e-9, f.name)
			}
		})
	}
	_, err := Summarize([]float64{})
	require.ErrorIs(t, err, ErrEmpty)
}

func seq(from, to int) []float64 {
	var xs []float64
	for i := from; i <= to; i++ {
		xs = append(xs, float64(i))
	}
	return xs
}
