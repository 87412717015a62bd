package camera

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStateNext(t *testing.T) {
	tests := []struct {
		name  string
		from  State
		event Event
		want  State
		bad   bool
	}{
		{"start", StateUnknown, EventConnect, StateConnecting, false},
		{"joined", StateConnecting, EventJoined, StateWaiting, false},
		{"viewer arrives", StateWaiting, EventViewer, StateStreaming, false},
		{"second viewer", StateStreaming, EventViewer, StateStreaming, false},
		{"viewer leaves: wait, do not rejoin", StateStreaming, EventLastViewerGone, StateWaiting, false},
		{"lost while waiting", StateWaiting, EventSignalingLost, StateBackoff, false},
		{"lost while streaming", StateStreaming, EventSignalingLost, StateBackoff, false},
		{"dial failed", StateConnecting, EventSignalingLost, StateBackoff, false},
		{"reconnect", StateBackoff, EventConnect, StateConnecting, false},
		{"stop anywhere", StateStreaming, EventStop, StateStopped, false},
		{"stop from backoff", StateBackoff, EventStop, StateStopped, false},
		{"viewer before join", StateConnecting, EventViewer, StateConnecting, true},
		{"viewer in backoff", StateBackoff, EventViewer, StateBackoff, true},
		{"join twice", StateWaiting, EventJoined, StateWaiting, true},
		{"gone without viewer", StateWaiting, EventLastViewerGone, StateWaiting, true},
		{"connect while streaming", StateStreaming, EventConnect, StateStreaming, true},
		{"after stop", StateStopped, EventConnect, StateStopped, true},
		{"unknown event", StateWaiting, EventUnknown, StateWaiting, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.from.Next(tt.event)
			if tt.bad {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestStateStrings(t *testing.T) {
	for s := StateUnknown; s <= StateStopped; s++ {
		got, err := ParseState(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
	_, err := ParseState("dancing")
	require.Error(t, err)
	assert.Equal(t, "State(42)", State(42).String())
	assert.Equal(t, "Event(42)", Event(42).String())
	assert.Equal(t, "last-viewer-gone", EventLastViewerGone.String())
}
