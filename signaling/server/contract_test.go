package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/internal/contract"
)

// TestMetricNamesMatchContract checks that every signaling metric the harness
// reads (internal/contract) is exported under that name.
func TestMetricNamesMatchContract(t *testing.T) {
	m, err := newMetrics()
	require.NoError(t, err)
	families, err := m.registry.Gather()
	require.NoError(t, err)
	have := map[string]bool{}
	for _, f := range families {
		have[f.GetName()] = true
	}
	for _, name := range contract.SignalingMetrics() {
		assert.True(t, have[name], "metric %s is not exported", name)
	}
}
