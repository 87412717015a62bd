package link

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ms = time.Millisecond

// arrival is one packet delivered by a pipe in a test.
type arrival struct {
	id   int           // order of sending, from 0
	sent time.Duration // time given to Send
	at   time.Duration // time Receive returned it
}

// run drives a pipe on a fake clock: it sends packets of the given sizes at
// the given times, wakes only when Next says so (like the forwarder), and
// returns what arrived and each packet's verdict. Packets carry their id in
// the first two bytes.
func run(t *testing.T, p *Pipe, sends []time.Duration, sizes func(i int) int, until time.Duration) ([]arrival, []Verdict) {
	t.Helper()
	var got []arrival
	verdicts := make([]Verdict, len(sends))
	collect := func(now time.Duration) {
		for _, d := range p.Receive(now, nil) {
			id := int(d[0])<<8 | int(d[1])
			got = append(got, arrival{id: id, sent: sends[id], at: now})
		}
	}
	i := 0
	for {
		next, busy := p.Next()
		switch {
		case i < len(sends) && (!busy || sends[i] <= next):
			now := sends[i]
			collect(now)
			buf := make([]byte, sizes(i))
			buf[0], buf[1] = byte(i>>8), byte(i)
			verdicts[i] = p.Send(now, buf)
			i++
			collect(now)
		case busy && next <= until:
			collect(next)
		default:
			return got, verdicts
		}
	}
}

func every(n int, step time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i) * step
	}
	return out
}

func size(n int) func(int) int { return func(int) int { return n } }

func TestPipeUnlimitedDelay(t *testing.T) {
	p := NewPipe(Params{Delay: 40 * ms}, nil, 1)
	got, verdicts := run(t, p, []time.Duration{0, 5 * ms, 5 * ms, 100 * ms}, size(100), time.Second)
	require.Len(t, got, 4)
	for i, a := range got {
		assert.Equal(t, i, a.id, "order kept")
		assert.Equal(t, a.sent+40*ms, a.at, "packet %d arrives exactly one delay later", i)
		assert.Equal(t, Accepted, verdicts[i])
	}
	st := p.Stats()
	assert.Equal(t, int64(4), st.Delivered)
	assert.Equal(t, int64(400), st.DeliveredBytes)
	assert.Zero(t, st.Queued+st.InFlight)
}

func TestPipeTokenBucketRate(t *testing.T) {
	tests := []struct {
		name string
		rate Bitrate
		size int
	}{
		{"1Mbit 1000B", 1e6, 1000},
		{"768kbit 1200B", 768e3, 1200},
		{"20Mbit 1500B", 20e6, 1500},
		{"256kbit 60B", 256e3, 60},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Offer twice the rate for 2 s; the queue never fills.
			gap := time.Duration(float64(tc.size*8) / float64(tc.rate) / 2 * 1e9)
			n := int(2 * time.Second / gap)
			p := NewPipe(Params{Rate: tc.rate, Queue: Queue{Packets: 1 << 20}}, nil, 1)
			got, _ := run(t, p, every(n, gap), size(tc.size), time.Hour)
			require.Len(t, got, n, "nothing lost or dropped")
			spacing := time.Duration(float64(tc.size*8) / float64(tc.rate) * 1e9)
			// The bucket's MTU of tokens lets the first packets through at
			// the offered rate; from the second half on the queue is backlogged.
			half := len(got) / 2
			for i := half + 1; i < len(got); i++ {
				d := got[i].at - got[i-1].at
				assert.InDelta(t, float64(spacing), float64(d), float64(time.Microsecond), "packet %d leaves one serialisation time after the one before", i)
			}
			// Rate over the second half, counting what left after its first.
			busy := got[len(got)-1].at - got[half].at
			rate := float64((len(got)-1-half)*tc.size*8) / busy.Seconds()
			assert.InEpsilon(t, float64(tc.rate), rate, 1e-3)
		})
	}
}

func TestPipeTokenBucketIdleBurstIsOneMTU(t *testing.T) {
	// After a long idle time only one MTU of tokens is saved up.
	p := NewPipe(Params{Rate: 1e6}, nil, 1)
	got, _ := run(t, p, []time.Duration{time.Second, time.Second, time.Second}, size(1000), time.Hour)
	require.Len(t, got, 3)
	assert.Equal(t, time.Second, got[0].at, "the first packet finds a full bucket")
	assert.Equal(t, time.Second+4*ms, got[1].at, "500 bytes left in the bucket, 500 more take 4 ms")
	assert.Equal(t, time.Second+12*ms, got[2].at, "then 8 ms per 1000 bytes")
}

func TestPipeQueueLimitPackets(t *testing.T) {
	p := NewPipe(Params{Rate: 1e6, Queue: Queue{Packets: 5}}, nil, 1)
	sends := make([]time.Duration, 20) // all at t=0
	got, verdicts := run(t, p, sends, size(1000), time.Hour)
	// The first leaves at once (full bucket), then five wait, the rest are dropped.
	assert.Len(t, got, 6)
	count := map[Verdict]int{}
	for _, v := range verdicts {
		count[v]++
	}
	assert.Equal(t, map[Verdict]int{Accepted: 6, Dropped: 14}, count)
	assert.Equal(t, int64(14), p.Stats().Dropped)
}

func TestPipeQueueLimitTime(t *testing.T) {
	// 100 ms at 1 Mbit/s = 12,500 bytes: twelve 1000-byte packets fit.
	p := NewPipe(Params{Rate: 1e6, Queue: Queue{Delay: 100 * ms}}, nil, 1)
	sends := make([]time.Duration, 40)
	got, _ := run(t, p, sends, size(1000), time.Hour)
	assert.Len(t, got, 1+12)
	worst := got[len(got)-1].at
	assert.LessOrEqual(t, worst, 100*ms, "no packet waited longer than the limit")
}

func TestPipeJitterWithoutReordering(t *testing.T) {
	const delay, jitter = 75 * ms, 10 * ms
	p := NewPipe(Params{Delay: delay, Jitter: jitter}, nil, 7)
	n := 20000
	got, _ := run(t, p, every(n, ms), size(100), time.Hour)
	require.Len(t, got, n)
	var sum, sumSq float64
	lo, hi := time.Hour, time.Duration(0)
	for i, a := range got {
		require.Equal(t, i, a.id, "packet %d overtaken", i)
		d := a.at - a.sent
		lo, hi = min(lo, d), max(hi, d)
		sum += float64(d)
		sumSq += float64(d) * float64(d)
	}
	mean := sum / float64(n)
	std := math.Sqrt(sumSq/float64(n) - mean*mean)
	t.Logf("delay %s ± %s: measured mean %.2f ms, std %.2f ms, range %s..%s", delay, jitter, mean/1e6, std/1e6, lo, hi)
	assert.GreaterOrEqual(t, lo, delay-jitter)
	assert.LessOrEqual(t, hi, delay+jitter)
	assert.InDelta(t, float64(delay), mean, float64(jitter)/10, "the mean delay stays the configured one")
	assert.Greater(t, std, float64(jitter)/4, "the delay does vary")
	assert.Greater(t, hi-lo, jitter, "the delay covers much of its range")
}

func TestPipeJitterWithReordering(t *testing.T) {
	p := NewPipe(Params{Delay: 20 * ms, Jitter: 10 * ms, Reorder: true}, nil, 7)
	got, _ := run(t, p, every(2000, ms), size(100), time.Hour)
	require.Len(t, got, 2000)
	reordered := 0
	for i := 1; i < len(got); i++ {
		if got[i].id < got[i-1].id {
			reordered++
		}
		d := got[i].at - got[i].sent
		assert.True(t, d >= 10*ms && d <= 30*ms, "delay %s within 20ms ± 10ms", d)
	}
	assert.Greater(t, reordered, 100, "packets overtake each other")
}

func TestPipeRandomLoss(t *testing.T) {
	const n = 100000
	for _, loss := range []float64{0.002, 0.01, 0.05} {
		p := NewPipe(Params{Loss: loss}, nil, 3)
		got, _ := run(t, p, every(n, 100*time.Microsecond), size(100), time.Hour)
		measured := 1 - float64(len(got))/n
		sigma := math.Sqrt(loss * (1 - loss) / n)
		assert.InDelta(t, loss, measured, 4*sigma, "loss %g", loss)
		assert.Equal(t, int64(n-len(got)), p.Stats().Lost)
	}
}

func TestPipeBurstLoss(t *testing.T) {
	const n = 200000
	p := NewPipe(Params{Loss: 0.05, LossBurst: 3}, nil, 11)
	_, verdicts := run(t, p, every(n, 100*time.Microsecond), size(100), time.Hour)
	lost, bursts := 0, 0
	for i, v := range verdicts {
		if v == Lost {
			lost++
			if i == 0 || verdicts[i-1] != Lost {
				bursts++
			}
		}
	}
	rate := float64(lost) / n
	mean := float64(lost) / float64(bursts)
	t.Logf("Gilbert 5%% in bursts of 3: measured loss %.3f %%, mean burst %.2f packets", rate*100, mean)
	assert.InDelta(t, 0.05, rate, 0.005)
	assert.InDelta(t, 3, mean, 0.2)

	ge := GilbertElliott{P: 0.01, R: 0.25, LossGood: 0.001, LossBad: 0.5}
	p = NewPipe(Params{GE: &ge}, nil, 11)
	got, _ := run(t, p, every(n, 100*time.Microsecond), size(100), time.Hour)
	assert.InDelta(t, ge.Rate(), 1-float64(len(got))/n, 0.005, "four-parameter model's long-run loss")
}

func TestBurstLossParameters(t *testing.T) {
	g := BurstLoss(0.05, 3)
	assert.InDelta(t, 0.05, g.Rate(), 1e-12)
	assert.InDelta(t, 1.0/3, float64(g.R), 1e-12)
}

func TestPipeSeedRepeatable(t *testing.T) {
	prm := Params{Rate: 2e6, Delay: 30 * ms, Jitter: 5 * ms, Loss: 0.02, LossBurst: 2, Queue: Queue{Packets: 20}}
	sends := every(3000, 2*ms)
	a, _ := run(t, NewPipe(prm, nil, 42), sends, size(900), time.Hour)
	b, _ := run(t, NewPipe(prm, nil, 42), sends, size(900), time.Hour)
	c, _ := run(t, NewPipe(prm, nil, 43), sends, size(900), time.Hour)
	assert.Equal(t, a, b, "same seed, same fate")
	assert.NotEqual(t, a, c, "another seed, another fate")
}

func TestPipeSchedule(t *testing.T) {
	prof, err := Builtin("step")
	require.NoError(t, err)
	p := prof.NewPipe(Up)
	// 1000-byte packets at 10 Mbit/s offered for 30 s: the link carries what
	// its rate allows in each second (queue drops the rest).
	gap := 800 * time.Microsecond
	got, _ := run(t, p, every(int(30*time.Second/gap), gap), size(1000), time.Hour)
	perSecond := make([]float64, 60)
	for _, a := range got {
		perSecond[int(a.at/time.Second)] += 1000 * 8
	}
	for s := 1; s < 29; s++ {
		want := 5e6
		if s >= 10 && s < 20 {
			want = 1e6
		}
		if s == 10 || s == 20 {
			continue // the second of the change holds the old queue's tail
		}
		assert.InEpsilon(t, want, perSecond[s], 0.02, "second %d", s)
	}
}

func TestPipeHeldSchedule(t *testing.T) {
	prof, err := Builtin("step")
	require.NoError(t, err)
	p := prof.NewPipe(Up)
	p.HoldSchedule()
	p.Receive(15*time.Second, nil)
	assert.Equal(t, Bitrate(5e6), p.Params().Rate, "held: no change at 10 s")
	p.StartSchedule(15 * time.Second)
	origin, started := p.ScheduleOrigin()
	assert.True(t, started)
	assert.Equal(t, 15*time.Second, origin)
	p.Receive(24*time.Second, nil)
	assert.Equal(t, Bitrate(5e6), p.Params().Rate)
	p.Receive(25*time.Second, nil)
	assert.Equal(t, Bitrate(1e6), p.Params().Rate, "10 s after the start")
	p.Receive(35*time.Second, nil)
	assert.Equal(t, Bitrate(5e6), p.Params().Rate, "20 s after the start")
}

func TestPipeScheduleToUnlimitedFlushesQueue(t *testing.T) {
	changes := []DirChange{{At: 100 * ms, Params: Params{}}}
	p := NewPipe(Params{Rate: 8e4, Queue: Queue{Packets: 100}}, changes, 1)
	got, _ := run(t, p, make([]time.Duration, 10), size(1000), time.Hour)
	require.Len(t, got, 10)
	assert.Equal(t, 100*ms, got[len(got)-1].at, "what waited leaves when the limit goes")
}

func mustTrace(t *testing.T, text string) *Trace {
	t.Helper()
	tr, err := ParseTrace("test", strings.NewReader(text))
	require.NoError(t, err)
	return tr
}

func TestPipeTrace(t *testing.T) {
	// One opportunity per millisecond: 12 Mbit/s.
	tr := mustTrace(t, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n")
	assert.InDelta(t, 12e6, tr.MeanRate(), 1)

	t.Run("MTU packets one per opportunity, looping", func(t *testing.T) {
		p := NewPipe(Params{Trace: tr, Queue: Queue{Packets: 1000}}, nil, 1)
		got, _ := run(t, p, make([]time.Duration, 25), size(1500), time.Hour)
		require.Len(t, got, 25)
		for i, a := range got {
			assert.Equal(t, time.Duration(i+1)*ms, a.at, "packet %d", i)
		}
	})
	t.Run("small packets share an opportunity", func(t *testing.T) {
		p := NewPipe(Params{Trace: tr}, nil, 1)
		got, _ := run(t, p, make([]time.Duration, 6), size(500), time.Hour)
		require.Len(t, got, 6)
		want := []time.Duration{1, 1, 1, 2, 2, 2}
		for i, a := range got {
			assert.Equal(t, want[i]*ms, a.at, "packet %d", i)
		}
	})
	t.Run("a packet spans two opportunities", func(t *testing.T) {
		p := NewPipe(Params{Trace: tr}, nil, 1)
		got, _ := run(t, p, make([]time.Duration, 3), size(1000), time.Hour)
		require.Len(t, got, 3)
		assert.Equal(t, []time.Duration{1 * ms, 2 * ms, 2 * ms}, []time.Duration{got[0].at, got[1].at, got[2].at})
	})
	t.Run("opportunities of an idle link are lost", func(t *testing.T) {
		sparse := mustTrace(t, "0\n0\n50\n100\n")
		p := NewPipe(Params{Trace: sparse}, nil, 1)
		got, _ := run(t, p, []time.Duration{10 * ms, 10 * ms, 10 * ms}, size(1500), time.Hour)
		require.Len(t, got, 3)
		// 50, then 100 and 100 (the end of one pass and the start of the next).
		assert.Equal(t, []time.Duration{50 * ms, 100 * ms, 100 * ms}, []time.Duration{got[0].at, got[1].at, got[2].at})
	})
}

func TestTraceCountMatchesBruteForce(t *testing.T) {
	tr := mustTrace(t, "0\n3\n3\n7\n10\n10\n")
	brute := func(from, to time.Duration) int64 {
		var n int64
		for c := int64(0); c < 20; c++ {
			for _, v := range tr.Ms {
				at := time.Duration(c)*tr.Period() + time.Duration(v)*ms
				if at >= from && at < to {
					n++
				}
			}
		}
		return n
	}
	for from := time.Duration(0); from < 45*ms; from += ms / 2 {
		for to := from; to < 60*ms; to += 3 * ms / 2 {
			require.Equal(t, brute(from, to), tr.count(from, to), "[%s, %s)", from, to)
		}
	}
	for g := int64(0); g < 30; g++ {
		require.Equal(t, g, tr.first(tr.at(g))+countEqualBefore(tr, g), "index %d", g)
	}
}

// countEqualBefore counts opportunities before g at the same time as g.
func countEqualBefore(tr *Trace, g int64) int64 {
	var n int64
	for h := g - 1; h >= 0 && tr.at(h) == tr.at(g); h-- {
		n++
	}
	return n
}

func TestProfileCapacity(t *testing.T) {
	prof, err := Builtin("step")
	require.NoError(t, err)
	c, ok := prof.Capacity(Down, 0, 2*time.Second, 3*time.Second)
	require.True(t, ok)
	assert.InDelta(t, 5e6, c, 1)
	c, _ = prof.Capacity(Down, 0, 9*time.Second, 11*time.Second)
	assert.InDelta(t, 3e6, c, 1, "half at 5, half at 1 Mbit/s")
	c, _ = prof.Capacity(Down, 5*time.Second, 17*time.Second, 18*time.Second)
	assert.InDelta(t, 1e6, c, 1, "schedule started at 5 s")

	lan, err := Builtin("lan")
	require.NoError(t, err)
	_, ok = lan.Capacity(Up, 0, 0, time.Second)
	assert.False(t, ok, "unlimited")

	tr := mustTrace(t, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n")
	tp := &Profile{Up: Params{Trace: tr}}
	c, ok = tp.Capacity(Up, 0, 0, time.Second)
	require.True(t, ok)
	assert.InEpsilon(t, 12e6, c, 0.002, "999 or 1000 opportunities in a second")
}

func TestVerdictAndDirectionNames(t *testing.T) {
	for _, v := range []Verdict{VerdictUnknown, Accepted, Lost, Dropped} {
		assert.NotEmpty(t, v.String())
	}
	for _, d := range []Direction{Up, Down} {
		got, err := ParseDirection(d.String())
		require.NoError(t, err)
		assert.Equal(t, d, got)
	}
	_, err := ParseDirection("sideways")
	assert.Error(t, err)
	assert.Equal(t, "unknown", DirectionUnknown.String())
}
