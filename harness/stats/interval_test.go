package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalQuantile(t *testing.T) {
	cases := []struct {
		p, want float64
	}{
		{0.5, 0},
		{0.975, 1.959963984540054},
		{0.025, -1.959963984540054},
		{0.95, 1.6448536269514722},
		{0.995, 2.5758293035489004},
		{0.001, -3.090232306167813},
		{1e-9, -5.997807015007686},
	}
	for _, c := range cases {
		assert.InDelta(t, c.want, NormalQuantile(c.p), 1e-12, "p=%v", c.p)
	}
	for _, p := range []float64{0, 1, -1, math.NaN()} {
		assert.True(t, math.IsNaN(NormalQuantile(p)), "p=%v", p)
	}
}

func TestWilsonInterval(t *testing.T) {
	// Reference values: Newcombe (1998), Table I (81/263: 0.2553–0.3662,
	// 15/148: 0.0624–0.1605), to eight places from Python's
	// statistics.NormalDist and the closed form.
	cases := []struct {
		name      string
		k, n      int
		lo, hi, p float64
	}{
		{"0 of 10", 0, 10, 0, 0.27753280, 0},
		{"10 of 10", 10, 10, 0.72246720, 1, 1},
		{"5 of 10", 5, 10, 0.23659309, 0.76340691, 0.5},
		{"3 of 3", 3, 3, 0.43850297, 1, 1},
		{"81 of 263", 81, 263, 0.25528852, 0.36620958, 81.0 / 263},
		{"15 of 148", 15, 148, 0.06238640, 0.16048724, 15.0 / 148},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			iv, err := WilsonInterval(c.k, c.n, 0.95)
			require.NoError(t, err)
			assert.InDelta(t, c.p, iv.Estimate, 1e-12)
			assert.InDelta(t, c.lo, iv.Lo, 1e-8)
			assert.InDelta(t, c.hi, iv.Hi, 1e-8)
			assert.Equal(t, c.n, iv.N)
			assert.True(t, iv.HasCI() || c.n < 2)
		})
	}
	_, err := WilsonInterval(0, 0, 0.95)
	require.ErrorIs(t, err, ErrEmpty)
	_, err = WilsonInterval(4, 3, 0.95)
	require.Error(t, err)
	_, err = WilsonInterval(1, 3, 1.5)
	require.ErrorIs(t, err, ErrLevel)
	def, err := WilsonInterval(5, 10, 0)
	require.NoError(t, err)
	assert.InDelta(t, 0.23659309, def.Lo, 1e-7, "level 0 means the default 95 %")
}

func TestBootstrapMeanKnownData(t *testing.T) {
	t.Run("constant", func(t *testing.T) {
		iv, err := BootstrapMean([]float64{30, 30, 30, 30}, BootstrapOptions{})
		require.NoError(t, err)
		assert.Equal(t, Interval{Estimate: 30, Lo: 30, Hi: 30, N: 4, Level: 0.95}, iv)
	})
	t.Run("one value has no interval", func(t *testing.T) {
		iv, err := BootstrapMean([]float64{12}, BootstrapOptions{})
		require.NoError(t, err)
		assert.False(t, iv.HasCI())
		assert.Equal(t, 12.0, iv.Lo)
		assert.Equal(t, 12.0, iv.Hi)
	})
	t.Run("two values", func(t *testing.T) {
		// Resampled means are 10, 15 or 20 with probabilities 1/4, 1/2,
		// 1/4: the 2.5th and 97.5th percentiles are the two values.
		iv, err := BootstrapMean([]float64{10, 20}, BootstrapOptions{})
		require.NoError(t, err)
		assert.Equal(t, 15.0, iv.Estimate)
		assert.Equal(t, 10.0, iv.Lo)
		assert.Equal(t, 20.0, iv.Hi)
	})
	t.Run("1 to 100 matches the normal interval", func(t *testing.T) {
		xs := make([]float64, 100)
		for i := range xs {
			xs[i] = float64(i + 1)
		}
		// mean 50.5, standard error sd/√n = 29.011/10 (population sd of the
		// resampling distribution: 28.866/10); 1.96 of it is 5.66.
		iv, err := BootstrapMean(xs, BootstrapOptions{})
		require.NoError(t, err)
		assert.Equal(t, 50.5, iv.Estimate)
		assert.InDelta(t, 50.5-5.66, iv.Lo, 0.4)
		assert.InDelta(t, 50.5+5.66, iv.Hi, 0.4)
	})
	t.Run("reproducible", func(t *testing.T) {
		xs := []float64{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5}
		a, err := BootstrapMean(xs, BootstrapOptions{})
		require.NoError(t, err)
		b, err := BootstrapMean(xs, BootstrapOptions{})
		require.NoError(t, err)
		assert.Equal(t, a, b)
		c, err := BootstrapMean(xs, BootstrapOptions{Seed: 99})
		require.NoError(t, err)
		assert.InDelta(t, a.Lo, c.Lo, 0.3, "another seed moves the bounds a little")
	})
	t.Run("errors", func(t *testing.T) {
		_, err := BootstrapMean(nil, BootstrapOptions{})
		require.ErrorIs(t, err, ErrEmpty)
		_, err = BootstrapMean([]float64{1, math.NaN()}, BootstrapOptions{})
		require.ErrorIs(t, err, ErrNaN)
		_, err = BootstrapMean([]float64{1, 2}, BootstrapOptions{Level: 1})
		require.ErrorIs(t, err, ErrLevel)
	})
}

// TestBootstrapCoverage draws 300 samples of 30 values from a normal
// distribution with a known mean: about 95 % of their intervals must hold it
// (the percentile bootstrap is slightly narrow at n = 30: 92–96 %).
func TestBootstrapCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const trials, n, mu = 300, 30, 25.0
	covered := 0
	for range trials {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = mu + 3*rng.NormFloat64()
		}
		iv, err := BootstrapMean(xs, BootstrapOptions{Resamples: 1000})
		require.NoError(t, err)
		if iv.Contains(mu) {
			covered++
		}
	}
	share := float64(covered) / trials
	assert.InDelta(t, 0.94, share, 0.03, "coverage %.3f", share)
}

// TestBlockBootstrapWiderForCorrelatedSeries: a series that is 30 for 20
// seconds and 10 for 20 seconds (a stall) has far fewer independent values
// than 40; the moving-block bootstrap says so with a wider interval.
func TestBlockBootstrapWiderForCorrelatedSeries(t *testing.T) {
	xs := make([]float64, 40)
	for i := range xs {
		xs[i] = 30
		if i >= 20 {
			xs[i] = 10
		}
	}
	iid, err := BootstrapMean(xs, BootstrapOptions{})
	require.NoError(t, err)
	blocked, err := BootstrapMean(xs, BootstrapOptions{Block: SeriesBlock(len(xs))})
	require.NoError(t, err)
	assert.Equal(t, 3, SeriesBlock(40))
	assert.Equal(t, 20.0, blocked.Estimate)
	assert.Greater(t, blocked.HalfWidth(), iid.HalfWidth()*1.2, "iid ±%.2f, block ±%.2f", iid.HalfWidth(), blocked.HalfWidth())
	assert.Equal(t, 1, SeriesBlock(1))
	assert.Equal(t, 2, SeriesBlock(8))
}

func TestBootstrapMeanDiff(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	noisy := func(mu float64, n int) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = mu + rng.NormFloat64()
		}
		return xs
	}
	t.Run("a shift of 5 is found", func(t *testing.T) {
		d, err := BootstrapMeanDiff(noisy(30, 20), noisy(25, 20), BootstrapOptions{})
		require.NoError(t, err)
		assert.InDelta(t, -5, d.Estimate, 0.8)
		assert.False(t, d.Contains(0), "interval %v excludes 0", d)
		assert.True(t, d.Contains(d.Estimate))
	})
	t.Run("no shift", func(t *testing.T) {
		d, err := BootstrapMeanDiff(noisy(30, 20), noisy(30, 20), BootstrapOptions{})
		require.NoError(t, err)
		assert.True(t, d.Contains(0), "interval %v holds 0", d)
	})
	t.Run("known values", func(t *testing.T) {
		// Each side resamples to {10, 15, 20} and {20, 25, 30}: the
		// difference runs from 0 to 20, 10 in the middle.
		d, err := BootstrapMeanDiff([]float64{10, 20}, []float64{20, 30}, BootstrapOptions{})
		require.NoError(t, err)
		assert.Equal(t, 10.0, d.Estimate)
		assert.Equal(t, 0.0, d.Lo)
		assert.Equal(t, 20.0, d.Hi)
	})
	t.Run("too few values", func(t *testing.T) {
		d, err := BootstrapMeanDiff([]float64{10}, []float64{20, 30}, BootstrapOptions{})
		require.NoError(t, err)
		assert.False(t, d.HasCI())
		assert.Equal(t, 15.0, d.Estimate)
	})
	t.Run("errors", func(t *testing.T) {
		_, err := BootstrapMeanDiff(nil, []float64{1}, BootstrapOptions{})
		require.ErrorIs(t, err, ErrEmpty)
		_, err = BootstrapMeanDiff([]float64{1}, nil, BootstrapOptions{})
		require.ErrorIs(t, err, ErrEmpty)
	})
}
