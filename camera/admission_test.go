package camera

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"echtzeit/signaling/protocol"
)

func TestAdmission(t *testing.T) {
	l := testLimits(func(l *Limits) {
		l.ViewerBackoffMin, l.ViewerBackoffMax = time.Second, 4*time.Second
		l.StartRate, l.StartBurst = 1, 2
	})
	a := newAdmission(l)
	t0 := time.Unix(1000, 0)

	d, reason, _ := a.admit("v", t0)
	assert.Zero(t, d, "a new viewer starts at once")
	assert.Empty(t, reason)

	// Each early end doubles the wait, up to the maximum.
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		a.ended("v", false, t0)
		d, reason, _ = a.admit("v", t0)
		assert.Equal(t, want, d, "early end %d", i+1)
		assert.Equal(t, delayViewerBackoff, reason)
	}
	a.ended("v", true, t0)
	d, _, _ = a.admit("v", t0)
	assert.Zero(t, d, "a connected session clears the backoff")

	// The start rate: burst 2 is used (two admits above), then one per second.
	d, reason, res := a.admit("w", t0)
	assert.Equal(t, time.Second, d)
	assert.Equal(t, delayStartRate, reason)
	res.CancelAt(t0)
	d, _, _ = a.admit("x", t0)
	assert.Equal(t, time.Second, d, "a cancelled reservation gives its token back")
}

func TestAdmissionForgets(t *testing.T) {
	l := testLimits(func(l *Limits) { l.ViewerBackoffMin, l.ViewerBackoffMax = time.Second, 2*time.Second })
	a := newAdmission(l)
	t0 := time.Unix(1000, 0)
	a.ended("old", false, t0)
	a.ended("new", false, t0.Add(10*time.Second))
	assert.NotContains(t, a.peers, protocol.ParticipantID("old"), "quiet for longer than the maximum backoff")
	assert.Contains(t, a.peers, protocol.ParticipantID("new"))
	for i := range maxPeerRecords + 10 {
		a.ended(protocol.ParticipantID(fmt.Sprint(i)), false, t0.Add(10*time.Second+time.Duration(i)))
	}
	assert.LessOrEqual(t, len(a.peers), maxPeerRecords)
}
