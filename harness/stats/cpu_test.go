package stats

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCPUPercent(t *testing.T) {
	cpu := func(ms int, u, s uint64) CPUTimes {
		return CPUTimes{Time: t0.Add(time.Duration(ms) * time.Millisecond), UTime: u, STime: s}
	}
	cases := []struct {
		name      string
		prev, cur CPUTimes
		want      float64
	}{
		{"idle", cpu(0, 50, 10), cpu(1000, 50, 10), 0},
		{"one core", cpu(0, 0, 0), cpu(1000, 90, 10), 100},
		{"two cores", cpu(0, 0, 0), cpu(2000, 300, 100), 200},
		{"half a core user+sys", cpu(0, 100, 100), cpu(1000, 140, 110), 50},
		{"fraction", cpu(0, 0, 0), cpu(2000, 1, 0), 0.5},
		{"tree lost a child", cpu(0, 500, 100), cpu(1000, 300, 50), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := CPUPercent(c.prev, c.cur, ClockTicks)
			require.NoError(t, err)
			assert.InDelta(t, c.want, got, 1e-9)
		})
	}
	_, err := CPUPercent(cpu(1000, 0, 0), cpu(1000, 1, 0), ClockTicks)
	require.ErrorIs(t, err, ErrInterval)
	_, err = CPUPercent(cpu(0, 0, 0), cpu(1000, 1, 0), 0)
	require.ErrorIs(t, err, ErrInterval)
}
