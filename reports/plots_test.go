package reports

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"gonum.org/v1/plot"

	"echtzeit/harness/results"
)

func TestCleanTicks(t *testing.T) {
	cases := []struct {
		name   string
		ticker plot.Ticker
		lo, hi float64
		want   []string
	}{
		{"linear", plot.DefaultTicks{}, 0, 750, []string{"0", "250", "500", "750"}},
		{"nice 0–2800", niceTicks{}, 0, 2800, []string{"0", "500", "1000", "1500", "2000", "2500"}},
		{"nice 0–45", niceTicks{}, 0, 45, []string{"0", "10", "20", "30", "40"}},
		{"nice 0–1.3", niceTicks{}, 0, 1.3, []string{"0", "0.25", "0.5", "0.75", "1", "1.25"}},
		{"nice 0–180", niceTicks{}, 0, 180, []string{"0", "50", "100", "150"}},
		{"float noise and trailing zeros", plot.ConstantTicks{
			{Value: 0.1 + 0.2, Label: "0.30000000000000004"}, {Value: 250, Label: "250.00"}, {Value: 5}, {Value: 1e6, Label: "1e+06"},
		}, 0, 1, []string{"0.3", "250", "1000000"}},
		{"log", plot.LogTicks{Prec: -1}, 1.5, 6500, []string{"1", "10", "100", "1000", "10000"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, tk := range (cleanTicks{c.ticker}).Ticks(c.lo, c.hi) {
				if tk.Label != "" {
					got = append(got, tk.Label)
				}
			}
			assert.Equal(t, c.want, got)
		})
	}
}

func TestOffsetIsCentred(t *testing.T) {
	assert.Equal(t, 0.0, offset(0, 1))
	assert.InDelta(t, -0.05, offset(0, 2), 1e-12)
	assert.InDelta(t, 0.05, offset(1, 2), 1e-12)
	assert.InDelta(t, 0.0, offset(1, 3), 1e-12)
}

func TestByX(t *testing.T) {
	pts := []xy{{50, 1}, {2, 4}, {50, 3}, {50, 8}}
	assert.Equal(t, []xy{{2, 4}, {50, 4}}, byX(pts, mean))
	assert.Equal(t, []xy{{2, 4}, {50, 3}}, byX(pts, median))
	assert.Empty(t, byX(nil, mean))
}

func TestPerResolution(t *testing.T) {
	trial := func(w, h int, fps float64) results.Trial {
		return results.Trial{Measured: results.Measured{FPSMean: fps}, Params: results.Params{Width: w, Height: h}}
	}
	ts := []results.Trial{
		trial(1280, 720, 30), trial(640, 480, 10), trial(1280, 720, 20), trial(1280, 720, 28),
		trial(640, 480, math.NaN()), // dropped: no value
		trial(320, 240, 5),          // dropped: no category
	}
	pos := map[resolution]float64{{640, 480}: 0, {1280, 720}: 1}
	tests := []struct {
		name     string
		agg      aggregate
		wantLine []xy
	}{
		{"mean", mean, []xy{{0.1, 10}, {1.1, 26}}},
		{"median", median, []xy{{0.1, 10}, {1.1, 28}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, points := perResolution(ts, pos, 0.1, fpsMean, tt.agg)
			assert.Equal(t, tt.wantLine, line)
			assert.Equal(t, []xy{{0.1, 10}, {1.1, 30}, {1.1, 20}, {1.1, 28}}, points, "category order, then trial order")
		})
	}
	line, points := perResolution(nil, pos, 0, fpsMean, mean)
	assert.Empty(t, line)
	assert.Empty(t, points)
}
