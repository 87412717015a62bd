package camera

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEndReasons(t *testing.T) {
	tests := []struct {
		err   error
		want  EndReason
		abuse bool
	}{
		{ErrViewerLeft, EndViewerLeft, false},
		{fmt.Errorf("%w: state failed", ErrPeerFailed), EndPeerFailed, false},
		{context.Canceled, EndCameraStopped, false},
		{errSignalingLost, EndSignalingLost, false},
		{fmt.Errorf("%w: 65 candidates", ErrCandidateLimit), EndCandidateLimit, true},
		{ErrSetupTimeout, EndSetupTimeout, true},
		{ErrSignalFlood, EndSignalFlood, true},
		{ErrRequestLimit, EndRequestLimit, true},
		{ErrSendQueueFull, EndSendQueueFull, true},
		{fmt.Errorf("%w: set remote offer: bad", ErrNegotiation), EndNegotiation, true},
		{errors.New("source broke"), EndError, false},
		{nil, EndUnknown, false},
	}
	for _, tt := range tests {
		got := endReasonOf(tt.err)
		assert.Equal(t, tt.want, got, "%v", tt.err)
		assert.Equal(t, tt.abuse, got.Abuse(), "%v", got)
		parsed, err := ParseEndReason(got.String())
		require.NoError(t, err)
		assert.Equal(t, got, parsed)
	}
	_, err := ParseEndReason("nope")
	require.Error(t, err)
	assert.Equal(t, "EndReason(99)", EndReason(99).String())
}
