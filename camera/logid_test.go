package camera

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"echtzeit/signaling/protocol"
)

func TestLogIDs(t *testing.T) {
	a, b := newLogIDs(), newLogIDs()
	id := string(protocol.NewRoomID())
	assert.Len(t, a.tag(id), 8)
	assert.Equal(t, a.tag(id), a.tag(id), "stable within a run")
	assert.NotEqual(t, a.tag(id), b.tag(id), "keyed: another run tags it differently")
	assert.NotEqual(t, a.tag(id), a.tag(id+"0"))
}
