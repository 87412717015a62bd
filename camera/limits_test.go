package camera

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLimitsValidate(t *testing.T) {
	require.NoError(t, Limits{}.withDefaults().Validate())
	assert.Equal(t, DefaultLimits(), Limits{}.withDefaults())
	assert.Equal(t, 3, Limits{MaxSessions: 3}.withDefaults().MaxSessions, "a set field is kept")
	tests := []struct {
		name string
		l    func(*Limits)
		want string
	}{
		{"negative sessions", func(l *Limits) { l.MaxSessions = -1 }, "'limits.MaxSessions' must be at least 1"},
		{"negative rate", func(l *Limits) { l.SignalRate = -1 }, "'limits.SignalRate' must be greater than zero"},
		{"negative timeout", func(l *Limits) { l.SetupTimeout = -time.Second }, "'limits.SetupTimeout' must not be negative"},
		{"backoff order", func(l *Limits) { l.ViewerBackoffMin, l.ViewerBackoffMax = 2*time.Second, time.Second }, "'limits.ViewerBackoffMax'"},
		{"queue order", func(l *Limits) { l.MaxOutgoing, l.MaxOutgoingPerViewer = 4, 8 }, "'limits.MaxOutgoingPerViewer'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := DefaultLimits()
			tt.l(&l)
			require.ErrorContains(t, l.Validate(), tt.want)
		})
	}
}
