package camera

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

const testPayload = 1188 // + 12 bytes of header: 1,200-byte packets

func writePackets(t *testing.T, p *rtpPacer, first uint16, n int) {
	t.Helper()
	for i := range n {
		h := &rtp.Header{Version: 2, SSRC: 1, SequenceNumber: first + uint16(i)}
		_, err := p.Write(h, make([]byte, testPayload), interceptor.Attributes{"k": i})
		require.NoError(t, err)
	}
}

// drain calls next every step until d has passed and returns what was sent
// when, in order.
func drainPacer(p *rtpPacer, c *fakeClock, d, step time.Duration) (sent []*paced, at []time.Duration) {
	start := c.t
	for c.t.Sub(start) <= d {
		pkts, _ := p.next(c.t)
		for _, pk := range pkts {
			sent = append(sent, pk)
			at = append(at, c.t.Sub(start))
		}
		c.t = c.t.Add(step)
	}
	return sent, at
}

func TestRTPPacerPacesAtTwoAndAHalfTimesTheEstimate(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	p := newRTPPacerAt(1_000_000, c.now)
	// 20 packets, 192 kbit: 77 ms at 2.5 Mbit/s, within maxPacerQueue.
	writePackets(t, p, 100, 20)
	sent, at := drainPacer(p, c, 300*time.Millisecond, time.Millisecond)
	require.Len(t, sent, 20)
	for i, pk := range sent {
		assert.Equal(t, uint16(100+i), pk.header.SequenceNumber, "order kept")
		assert.Equal(t, i, pk.attrs["k"], "attributes kept")
	}
	// The first two packets go at once (a packet goes while the budget,
	// 1,500 bytes at the start, is positive), the rest at the pacing rate:
	// the last one after 18 × 1,200 - 300 bytes at 2.5 Mbit/s ≈ 68 ms.
	assert.Zero(t, at[1])
	assert.InDelta(t, 68, at[len(at)-1].Milliseconds(), 2)
}

func TestRTPPacerQueueIsBounded(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	p := newRTPPacerAt(100_000, c.now) // 250 kbit/s of pacing
	// 1 MB: 32 s at the pacing rate. The pacer sends faster instead, so that
	// nothing waits much more than maxPacerQueue.
	writePackets(t, p, 0, 833)
	_, at := drainPacer(p, c, 2*time.Second, time.Millisecond)
	require.Len(t, at, 833)
	assert.LessOrEqual(t, at[len(at)-1], maxPacerQueue+2*time.Millisecond, "the last packet left after %s", at[len(at)-1])
}

func TestRTPPacerGivesNoCreditForIdleTime(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	p := newRTPPacerAt(1_000_000, c.now)
	c.t = c.t.Add(10 * time.Second) // idle
	writePackets(t, p, 0, 20)       // 24 kB
	pkts, wait := p.next(c.t)
	// A 40 ms burst at 2.5 Mbit/s is 12,500 bytes: eleven packets (the
	// eleventh goes while the budget is still positive), then a wait.
	assert.Len(t, pkts, 11)
	assert.Positive(t, wait)
	assert.LessOrEqual(t, wait, 10*time.Millisecond)
}

func TestRTPPacerBurstIsBounded(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	p := newRTPPacerAt(20_000_000, c.now) // 50 Mbit/s of pacing: 40 ms would be 250 kB
	c.t = c.t.Add(time.Second)
	writePackets(t, p, 0, 100)
	pkts, wait := p.next(c.t)
	// 63 kB of credit: 53 packets (the 53rd while the budget is positive).
	assert.Len(t, pkts, 53)
	assert.Positive(t, wait)
}

func TestRTPPacerFollowsTheEstimate(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	p := newRTPPacerAt(2_000_000, c.now)
	p.SetTargetBitrate(200_000) // 500 kbit/s pacing: 62.5 bytes per ms
	writePackets(t, p, 0, 4)
	sent, at := drainPacer(p, c, time.Second, time.Millisecond)
	require.Len(t, sent, 4)
	// 4.8 kB, the first two packets at once: the rest takes
	// (2 × 1,200 - 300 bytes) / 62.5 bytes per ms ≈ 34 ms.
	assert.InDelta(t, 34, at[3].Milliseconds(), 2)
	p.SetTargetBitrate(1) // the estimator's minimum holds
	assert.Equal(t, minEstimate, p.rate)
}

// recorder is an RTP writer that keeps what it gets.
type recorder struct {
	mu   sync.Mutex
	seqs []uint16
}

func (r *recorder) Write(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seqs = append(r.seqs, h.SequenceNumber)
	return len(payload), nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seqs)
}

// TestRTPPacerRuns runs the pacer's goroutine on the real clock: packets reach
// the stream's writer in order, and Close stops the goroutine and refuses
// what comes after.
func TestRTPPacerRuns(t *testing.T) {
	p := newRTPPacer(5_000_000)
	var rec recorder
	p.AddStream(1, &rec)
	buf := make([]byte, testPayload)
	for i := range 50 {
		h := &rtp.Header{SSRC: 1, SequenceNumber: uint16(i)}
		_, err := p.Write(h, buf, nil)
		require.NoError(t, err)
		buf[0]++ // the pacer keeps its own copy
	}
	require.Eventually(t, func() bool { return rec.count() == 50 }, 5*time.Second, 5*time.Millisecond)
	for i, s := range rec.seqs {
		assert.Equal(t, uint16(i), s)
	}
	require.NoError(t, p.Close())
	_, err := p.Write(&rtp.Header{SSRC: 1}, buf, nil)
	assert.ErrorIs(t, err, errPacerClosed)
	require.NoError(t, p.Close(), "Close twice")
}

// TestRTPPacerSendsRTXThroughTheMediaStream: pion binds one stream for a track's
// media and RTX SSRCs, so the pacer knows only the media SSRC's writer.
func TestRTPPacerSendsRTXThroughTheMediaStream(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	p := newRTPPacerAt(1_000_000, c.now)
	var rec recorder
	p.AddStream(1, &rec)
	_, err := p.Write(&rtp.Header{SSRC: 2, SequenceNumber: 9}, []byte{1}, interceptor.Attributes{streamSSRCKey{}: uint32(1)})
	require.NoError(t, err)
	_, err = p.Write(&rtp.Header{SSRC: 3, SequenceNumber: 10}, []byte{1}, nil) // unknown: dropped
	require.NoError(t, err)
	pkts, _ := p.next(c.t)
	require.Len(t, pkts, 2)
	for _, pk := range pkts {
		p.send(pk)
	}
	assert.Equal(t, []uint16{9}, rec.seqs)
}
