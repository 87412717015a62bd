package turn

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/internal/contract"
)

// TestMetricNamesMatchContract checks that every TURN metric the harness
// reads (internal/contract) is exported under that name, with its labels.
func TestMetricNamesMatchContract(t *testing.T) {
	m := newMetrics()
	m.relayed(true, 1)
	m.relayed(false, 1)
	reg := prometheus.NewRegistry()
	for _, c := range m.Collectors() {
		require.NoError(t, reg.Register(c))
	}
	families, err := reg.Gather()
	require.NoError(t, err)
	have := map[string]bool{}
	for _, f := range families {
		have[f.GetName()] = true
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				have[contract.Series(f.GetName(), l.GetName(), l.GetValue())] = true
			}
		}
	}
	for _, name := range contract.TURNMetrics() {
		assert.True(t, have[name], "metric %s is not exported", name)
	}
	for _, dir := range []string{contract.TURNToPeer, contract.TURNFromPeer} {
		s := contract.Series(contract.MetricTURNRelayedBytes, "direction", dir)
		assert.True(t, have[s], "series %s is not exported", s)
	}
}
