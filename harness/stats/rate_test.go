package stats

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func at(ms int, v float64) Sample {
	return Sample{Time: t0.Add(time.Duration(ms) * time.Millisecond), Value: v}
}

func TestRates(t *testing.T) {
	cases := []struct {
		name    string
		samples []Sample
		want    []float64
	}{
		{"none", nil, nil},
		{"one sample", []Sample{at(0, 10)}, nil},
		{"steady 30 fps", []Sample{at(0, 0), at(1000, 30), at(2000, 60)}, []float64{30, 30}},
		{"uneven intervals", []Sample{at(0, 0), at(500, 15), at(2000, 45)}, []float64{30, 20}},
		{"frozen", []Sample{at(0, 100), at(1000, 100)}, []float64{0}},
		{"counter reset skipped", []Sample{at(0, 0), at(1000, 30), at(2000, 5), at(3000, 35)}, []float64{30, 30}},
		{"repeated timestamp skipped", []Sample{at(0, 0), at(1000, 30), at(1000, 31), at(2000, 61)}, []float64{30, 30}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Rates(c.samples)
			require.Len(t, got, len(c.want))
			for i := range c.want {
				assert.InDelta(t, c.want[i], got[i], 1e-9)
			}
			assert.Equal(t, got, FPS(c.samples))
		})
	}
}

func TestMeanRate(t *testing.T) {
	cases := []struct {
		name    string
		samples []Sample
		want    float64
	}{
		// 15 frames in 0.5 s and 30 in 1.5 s: 45 frames in 2 s.
		{"time weighted", []Sample{at(0, 0), at(500, 15), at(2000, 45)}, 22.5},
		{"reset skipped", []Sample{at(0, 0), at(1000, 30), at(2000, 2), at(3000, 22)}, 25},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := MeanRate(c.samples)
			require.NoError(t, err)
			assert.InDelta(t, c.want, got, 1e-9)
		})
	}
	_, err := MeanRate([]Sample{at(0, 1)})
	require.ErrorIs(t, err, ErrEmpty)
	_, err = MeanRate([]Sample{at(0, 10), at(1000, 1)})
	require.ErrorIs(t, err, ErrEmpty)
}

func TestBitrateKbps(t *testing.T) {
	// 125 000 bytes per second is 1000 kbit/s.
	got := BitrateKbps([]Sample{at(0, 0), at(1000, 125000), at(3000, 375000)})
	require.Len(t, got, 2)
	assert.InDelta(t, 1000, got[0], 1e-9)
	assert.InDelta(t, 1000, got[1], 1e-9)
}
