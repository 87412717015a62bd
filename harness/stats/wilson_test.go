package stats

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWilson(t *testing.T) {
	// Reference values: R's prop.test(k, n, correct = FALSE)$conf.int and
	// Brown, Cai and DasGupta (2001).
	tests := []struct {
		k, n   int
		lo, hi float64
	}{
		{30, 30, 0.8865, 1},
		{0, 30, 0, 0.1135},
		{27, 30, 0.7438, 0.9654},
		{15, 30, 0.3315, 0.6685},
		{1, 1, 0.2065, 1},
		{81, 263, 0.2553, 0.3662},
	}
	for _, tt := range tests {
		lo, hi, err := Wilson(tt.k, tt.n, Z95)
		require.NoError(t, err)
		assert.InDelta(t, tt.lo, lo, 5e-4, "%d/%d lower", tt.k, tt.n)
		assert.InDelta(t, tt.hi, hi, 5e-4, "%d/%d upper", tt.k, tt.n)
		assert.LessOrEqual(t, lo, float64(tt.k)/float64(tt.n))
		assert.GreaterOrEqual(t, hi, float64(tt.k)/float64(tt.n))
	}
	for _, bad := range [][2]int{{0, 0}, {-1, 3}, {4, 3}} {
		_, _, err := Wilson(bad[0], bad[1], Z95)
		assert.ErrorIs(t, err, ErrEmpty)
	}
	_, _, err := Wilson(1, 2, 0)
	assert.Error(t, err)
}
