package camera

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		name string
		rand float64
		want []time.Duration
	}{
		{"no jitter", 0, []time.Duration{250, 500, 1000, 2000, 4000, 4000, 4000}},
		{"full jitter", 0.999999, []time.Duration{499, 999, 1999, 3999, 7999, 7999, 7999}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &Backoff{Min: 500 * time.Millisecond, Max: 8 * time.Second, Rand: func() float64 { return tt.rand }}
			for i, w := range tt.want {
				assert.Equal(t, w*time.Millisecond, b.Next().Truncate(time.Millisecond), "attempt %d", i)
			}
			b.Reset()
			assert.Equal(t, tt.want[0]*time.Millisecond, b.Next().Truncate(time.Millisecond), "after Reset")
		})
	}
}

func TestBackoffJitterStaysInRange(t *testing.T) {
	b := DefaultBackoff()
	for i := range 40 {
		d := b.Next()
		assert.GreaterOrEqual(t, d, 250*time.Millisecond, "attempt %d", i)
		assert.LessOrEqual(t, d, 30*time.Second, "attempt %d", i)
	}
}
