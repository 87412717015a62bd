package contract

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCodec(t *testing.T) {
	tests := []struct {
		in      string
		want    Codec
		wantErr bool
	}{
		{"vp8", VP8, false}, {"H264", H264, false}, {"av1", "", true}, {"", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseCodec(tc.in)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	assert.Equal(t, "H.264", H264.Label())
	assert.Equal(t, "VP8", VP8.Label())
	assert.Equal(t, "--codec", Flag(CameraFlagCodec))
}

func TestListsHaveNoDuplicates(t *testing.T) {
	for name, list := range map[string][]string{
		"signaling metrics": SignalingMetrics(), "camera metrics": CameraMetrics(), "camera flags": CameraFlags(),
	} {
		seen := map[string]bool{}
		for _, v := range list {
			assert.False(t, seen[v], "%s: %s twice", name, v)
			seen[v] = true
		}
	}
}
