package camera

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMailboxBound(t *testing.T) {
	m := newMailbox()
	for range 3 {
		require.True(t, m.putBounded(1, 3))
	}
	assert.False(t, m.putBounded(1, 3))
	m.put("own events are not bounded")
	assert.Len(t, m.drain(), 4)
	assert.True(t, m.putBounded(1, 3), "room again after a drain")
}
