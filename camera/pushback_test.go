package camera

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRTTOfReceptionReport(t *testing.T) {
	sent := time.Date(2026, 12, 1, 15, 0, 0, 250_000_000, time.UTC)
	lsr := ntpMiddle(sent)
	// The viewer held the report 40 ms; it arrives 190 ms after the SR left.
	r := rtcp.ReceptionReport{LastSenderReport: lsr, Delay: uint32(40 * 65536 / 1000)}
	rtt, ok := rttOf(sent.Add(190*time.Millisecond), r)
	require.True(t, ok)
	assert.InDelta(t, 150, float64(rtt.Microseconds())/1000, 0.1)

	_, ok = rttOf(sent, rtcp.ReceptionReport{})
	assert.False(t, ok, "no sender report yet")
	_, ok = rttOf(sent, rtcp.ReceptionReport{LastSenderReport: lsr, Delay: 65536})
	assert.False(t, ok, "a delay longer than the time since the report")
	// 1970 is 2,208,988,800 s (0x83aa7e80) after 1900: its low 16 bits, then
	// the fraction.
	assert.Equal(t, uint32(0x7e800000), ntpMiddle(time.Unix(0, 0)))
	assert.Equal(t, uint32(0x7e808000), ntpMiddle(time.Unix(0, 500_000_000)))
}

func TestPushback(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var p pushback
	assert.Equal(t, 1.0, p.factor(t0), "no round-trip time: no pushback")
	p.add(t0, 150*time.Millisecond)
	assert.Equal(t, 1.0, p.factor(t0))
	p.add(t0.Add(time.Second), 200*time.Millisecond)
	assert.Equal(t, 1.0, p.factor(t0.Add(time.Second)), "50 ms of queue is free")
	p.add(t0.Add(2*time.Second), 550*time.Millisecond) // 400 ms of queue
	assert.Equal(t, 1.0, p.factor(t0.Add(2*time.Second)), "no fall of the estimate: a busy machine, maybe")
	p.fell(t0.Add(2*time.Second), false)
	assert.InDelta(t, 0.7, p.factor(t0.Add(2*time.Second)), 1e-9)
	p.add(t0.Add(3*time.Second), 2*time.Second)
	assert.Equal(t, minPushback, p.factor(t0.Add(3*time.Second)), "never below half")
	assert.Equal(t, 1.0, p.factor(t0.Add(4*time.Second)), "two seconds after the fall")
	p.fell(t0.Add(5*time.Second), false)
	assert.Equal(t, 1.0, p.factor(t0.Add(7*time.Second)), "an old figure does not count")
	p.fell(t0.Add(7*time.Second), true)
	assert.Equal(t, minPushback, p.factor(t0.Add(7900*time.Millisecond)), "a sharp fall: half for a second")
	assert.Equal(t, 1.0, p.factor(t0.Add(8*time.Second)))
	p.add(t0.Add(8*time.Second), 100*time.Millisecond)
	assert.Equal(t, 100*time.Millisecond, p.lowest)
}
