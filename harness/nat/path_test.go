package nat

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTypeNames(t *testing.T) {
	for _, tc := range []struct {
		t    Type
		name string
	}{
		{Unknown, "unknown"}, {None, "none"}, {Cone, "cone"}, {Symmetric, "symmetric"}, {UDPBlocked, "udp-blocked"},
	} {
		assert.Equal(t, tc.name, tc.t.String())
		if tc.t == Unknown {
			_, err := ParseType(tc.name)
			assert.Error(t, err, "unknown is not a type to ask for")
			continue
		}
		got, err := ParseType(tc.name)
		require.NoError(t, err)
		assert.Equal(t, tc.t, got)
	}
	assert.Equal(t, "nat.Type(9)", Type(9).String())
	_, err := ParseType("full-cone")
	assert.ErrorContains(t, err, "cone, symmetric")
}

func TestPaths(t *testing.T) {
	assert.Equal(t, []string{"direct", "cone", "symmetric", "symmetric-both", "udp-blocked", "relay-forced"}, PathNames())
	for _, tc := range []struct {
		name           string
		sender, viewer Type
		relayOnly      bool
		routers        bool
	}{
		{"direct", None, None, false, false},
		{"cone", Cone, Cone, false, true},
		{"symmetric", None, Symmetric, false, true},
		{"symmetric-both", Symmetric, Symmetric, false, true},
		{"udp-blocked", None, UDPBlocked, false, true},
		{"relay-forced", None, None, true, false},
	} {
		p, err := ParsePath(tc.name)
		require.NoError(t, err)
		assert.Equal(t, tc.sender, p.Sender, tc.name)
		assert.Equal(t, tc.viewer, p.Viewer, tc.name)
		assert.Equal(t, tc.relayOnly, p.RelayOnly, tc.name)
		assert.Equal(t, tc.routers, p.NeedsRouters(), tc.name)
	}
	_, err := ParsePath("carrier-grade")
	assert.Error(t, err)
}
