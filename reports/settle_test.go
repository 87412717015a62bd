package reports

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"echtzeit/harness/results"
)

func TestSettleNote(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	trial := func(settle, busy *float64) results.Trial {
		var tr results.Trial
		tr.SettleMs, tr.SettleBusyCores = settle, busy
		return tr
	}
	tests := []struct {
		name   string
		trials []results.Trial
		want   []string // substrings; none: no note
	}{
		{"a run before the settle", []results.Trial{trial(nil, nil)}, nil},
		{"settle and CPU", []results.Trial{trial(f(1001), f(0.05)), trial(f(1003), f(0.15)), trial(f(1200), f(0.1))},
			[]string{"navigated 1003 ms (median)", "busy with 0.10 cores (median)"}},
		{"no CPU time", []results.Trial{trial(f(0.2), nil)}, []string{"navigated 0 ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := settleNote(tt.trials)
			if tt.want == nil {
				assert.Empty(t, got)
				return
			}
			for _, w := range tt.want {
				assert.Contains(t, got, w)
			}
			if len(tt.trials) == 1 && tt.trials[0].SettleBusyCores == nil {
				assert.NotContains(t, got, "busy")
			}
		})
	}
}
