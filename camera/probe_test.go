package camera

import (
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/rtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeEstimate stands in for gcc.SendSideBWE's estimate.
type fakeEstimate struct {
	mu     sync.Mutex
	est    int
	raised []int
}

func (f *fakeEstimate) GetTargetBitrate() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.est
}

func (f *fakeEstimate) RaiseEstimate(rate int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.raised = append(f.raised, rate)
	f.est = max(f.est, rate)
}

// twccWire stamps transport-wide sequence numbers as the TWCC header
// extension interceptor does and keeps what was written.
type twccWire struct {
	mu      sync.Mutex
	next    uint16
	headers []rtp.Header
	payload []int
}

const testTWCCID = 5

func (w *twccWire) Write(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := binary.BigEndian.AppendUint16(nil, w.next)
	w.next++
	if err := h.SetExtension(testTWCCID, b); err != nil {
		return 0, err
	}
	w.headers = append(w.headers, h.Clone())
	w.payload = append(w.payload, len(payload))
	return h.MarshalSize() + len(payload), nil
}

// feedback is what a viewer would report of the packets written from index
// from on: sent at sendRate and arrived at recvRate (bit/s, back to back),
// pion counting headers and payloads (not padding); lost packets have no
// arrival.
func (w *twccWire) feedback(from, sendRate, recvRate int, lost map[int]bool) []gcc.PacketResult {
	w.mu.Lock()
	defer w.mu.Unlock()
	dep, arr := time.Unix(2000, 0), time.Unix(5000, 0)
	var rs []gcc.PacketResult
	for i := from; i < len(w.headers); i++ {
		h := w.headers[i]
		wire := h.MarshalSize() + w.payload[i] + int(h.PaddingSize)
		r := gcc.PacketResult{
			SequenceNumber: binary.BigEndian.Uint16(h.GetExtension(testTWCCID)),
			Size:           h.MarshalSize() + w.payload[i],
			Departure:      dep,
		}
		if !lost[i] {
			r.Arrival = arr
		}
		rs = append(rs, r)
		dep = dep.Add(time.Duration(float64(wire*8) / float64(sendRate) * float64(time.Second)))
		arr = arr.Add(time.Duration(float64(wire*8) / float64(recvRate) * float64(time.Second)))
	}
	return rs
}

// newTestProber is a prober bound to a stream on a fake clock, without its
// goroutine: the test calls due and send itself.
func newTestProber(est, wanted int) (*prober, *fakeEstimate, *twccWire, interceptor.RTPWriter, *time.Time) {
	f := &fakeEstimate{est: est}
	clock := time.Unix(1000, 0)
	p := newProber(f, wanted, nil)
	p.now = func() time.Time { return clock }
	wire := &twccWire{next: 40_000}
	p.mu.Lock()
	w := p.bind(&interceptor.StreamInfo{SSRC: 1111, PayloadType: payloadTypeVP8}, testTWCCID, wire)
	p.mu.Unlock()
	return p, f, wire, w, &clock
}

func writeMedia(t *testing.T, w interceptor.RTPWriter, seq uint16) {
	t.Helper()
	_, err := w.Write(&rtp.Header{Version: 2, SSRC: 1111, PayloadType: payloadTypeVP8, SequenceNumber: seq, Timestamp: 9000}, make([]byte, 1000), nil)
	require.NoError(t, err)
}

func TestProberClusterRaisesTheEstimate(t *testing.T) {
	cases := []struct {
		name      string
		recv      int // bit/s the link delivered the cluster at
		lost      bool
		raise     bool
		low, high int // the raise within
	}{
		// After step's rise: the cluster at 2 Mbit/s came through whole.
		{name: "link has room", recv: 2_000_000, raise: true, low: 1_800_000, high: 2_100_000},
		// At 1 Mbit/s: the link delivered its capacity, no more than the estimate.
		{name: "link full", recv: 1_000_000},
		// Most of the cluster lost: no measurement.
		{name: "lost", recv: 2_000_000, lost: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, f, wire, w, clock := newTestProber(1_000_000, 2_457_600)
			writeMedia(t, w, 100)
			p.results(nil) // feedback arrives: the stream flows
			rate, ok := p.due(*clock)
			require.True(t, ok)
			assert.Equal(t, 2_000_000, rate, "twice the estimate")
			p.send(rate)
			writeMedia(t, w, 101)

			// The padding went on the media SSRC with the next sequence
			// numbers; the media after it moved up by as many.
			wire.mu.Lock()
			n := len(wire.headers) - 2
			require.Greater(t, n, 5, "a cluster of padding packets")
			for i, h := range wire.headers {
				assert.Equal(t, uint32(1111), h.SSRC)
				assert.Equal(t, uint16(100+i), h.SequenceNumber, "packet %d", i)
				pad := i > 0 && i <= n
				assert.Equal(t, pad, h.Padding, "packet %d", i)
				if pad {
					assert.Equal(t, uint8(paddingBytes), h.PaddingSize)
					assert.Equal(t, uint32(9000), h.Timestamp)
				}
			}
			wire.mu.Unlock()

			lost := map[int]bool{}
			if tc.lost {
				for i := 1; i <= n/2+1; i++ {
					lost[i] = true
				}
			}
			p.results(wire.feedback(1, rate, tc.recv, lost))
			p.mu.Lock()
			assert.Nil(t, p.cluster, "the cluster is judged once all of it was reported on")
			p.mu.Unlock()
			f.mu.Lock()
			defer f.mu.Unlock()
			if !tc.raise {
				assert.Empty(t, f.raised)
				return
			}
			require.Len(t, f.raised, 1)
			assert.GreaterOrEqual(t, f.raised[0], tc.low)
			assert.LessOrEqual(t, f.raised[0], tc.high)
		})
	}
}

func TestProberDue(t *testing.T) {
	cases := []struct {
		name     string
		est      int
		feedback bool
		fellAgo  time.Duration // 0: never fell
		lastAgo  time.Duration // 0: no probe yet
		rate     int           // 0: no probe
	}{
		{name: "probe", est: 1_000_000, feedback: true, rate: 2_000_000},
		{name: "at most what the format wants", est: 1_500_000, feedback: true, rate: 2_457_600},
		{name: "no feedback yet", est: 1_000_000},
		{name: "the format gets what it wants", est: 2_200_000, feedback: true},
		{name: "just fell", est: 1_000_000, feedback: true, fellAgo: time.Second},
		{name: "fell a while ago", est: 1_000_000, feedback: true, fellAgo: probeQuiet + time.Second, rate: 2_000_000},
		{name: "probed just now", est: 1_000_000, feedback: true, lastAgo: time.Second},
		{name: "probed a while ago", est: 1_000_000, feedback: true, lastAgo: 4 * time.Second, rate: 2_000_000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, _, _, _, clock := newTestProber(tc.est, 2_457_600)
			p.reported = tc.feedback
			p.last = tc.est
			if tc.fellAgo > 0 {
				p.fell = clock.Add(-tc.fellAgo)
			}
			if tc.lastAgo > 0 {
				p.next = clock.Add(-tc.lastAgo + probeInterval)
			}
			rate, ok := p.due(*clock)
			assert.Equal(t, tc.rate > 0, ok)
			assert.Equal(t, tc.rate, rate)
		})
	}
}

func TestProberNotesAFall(t *testing.T) {
	p, f, _, _, clock := newTestProber(1_000_000, 2_457_600)
	p.reported = true
	_, ok := p.due(*clock)
	require.True(t, ok)
	p.mu.Lock()
	p.cluster = nil
	p.next = time.Time{}
	p.mu.Unlock()
	f.mu.Lock()
	f.est = 850_000 // GCC saw overuse
	f.mu.Unlock()
	*clock = clock.Add(probeTick)
	_, ok = p.due(*clock)
	assert.False(t, ok, "no probe right after a fall")
	*clock = clock.Add(probeQuiet)
	rate, ok := p.due(*clock)
	assert.True(t, ok)
	assert.Equal(t, 1_700_000, rate)
}
