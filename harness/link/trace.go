package link

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"
)

// OpportunityBytes is what one delivery opportunity of a trace carries: one
// MTU-sized packet (Mahimahi's trace format).
const OpportunityBytes = 1500

// Limits of ParseTrace.
const (
	// MaxTraceBytes bounds a trace file.
	MaxTraceBytes = 64 << 20
	// maxTraceMs bounds a timestamp (about 12 days; keeps nanoseconds in int64).
	maxTraceMs = 1 << 40
)

// Trace is a link's delivery opportunities in Mahimahi's format: one
// millisecond timestamp per line, non-decreasing, each line one opportunity
// to deliver OpportunityBytes. The trace loops: its period is the last
// timestamp, so opportunity i of cycle c is at c·period + Ms[i].
type Trace struct {
	// Name is where the trace came from (a file name), for messages.
	Name string `json:"name,omitempty"`
	// Ms are the timestamps in milliseconds.
	Ms []int64 `json:"ms"`
}

// ParseTrace reads a Mahimahi trace. Blank lines are skipped; anything else
// that is not a non-negative integer, a timestamp smaller than the one
// before, and a trace whose last timestamp is 0 are errors wrapping ErrTrace.
func ParseTrace(name string, r io.Reader) (*Trace, error) {
	sc := bufio.NewScanner(io.LimitReader(r, MaxTraceBytes+1))
	sc.Buffer(make([]byte, 0, 4096), 4096)
	t := &Trace{Name: name}
	var prev int64
	read := 0
	for line := 1; sc.Scan(); line++ {
		read += len(sc.Bytes()) + 1
		if read > MaxTraceBytes+1 {
			return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrTrace, name, MaxTraceBytes)
		}
		f := bytes.TrimSpace(sc.Bytes())
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseInt(string(f), 10, 64)
		if err != nil || v < 0 || v > maxTraceMs || f[0] == '+' {
			return nil, fmt.Errorf("%w: %s line %d: %q is not a millisecond timestamp (a non-negative integer)", ErrTrace, name, line, clip(f))
		}
		if v < prev {
			return nil, fmt.Errorf("%w: %s line %d: %d ms comes after %d ms (timestamps must not decrease)", ErrTrace, name, line, v, prev)
		}
		prev = v
		t.Ms = append(t.Ms, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrTrace, name, err)
	}
	if len(t.Ms) == 0 {
		return nil, fmt.Errorf("%w: %s has no timestamps", ErrTrace, name)
	}
	if prev == 0 {
		return nil, fmt.Errorf("%w: %s lasts 0 ms (its last timestamp is its period)", ErrTrace, name)
	}
	return t, nil
}

func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// Format writes the trace in Mahimahi's format.
func (t *Trace) Format(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, v := range t.Ms {
		bw.WriteString(strconv.FormatInt(v, 10))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// Period is how long one pass of the trace lasts.
func (t *Trace) Period() time.Duration { return time.Duration(t.Ms[len(t.Ms)-1]) * time.Millisecond }

// MeanRate is the trace's average capacity in bit/s.
func (t *Trace) MeanRate() float64 {
	return float64(len(t.Ms)) * OpportunityBytes * 8 / t.Period().Seconds()
}

// at returns the time of opportunity g (counted over all cycles).
func (t *Trace) at(g int64) time.Duration {
	n := int64(len(t.Ms))
	c, i := g/n, g%n
	return time.Duration(c)*t.Period() + time.Duration(t.Ms[i])*time.Millisecond
}

// first returns the index of the first opportunity at or after d (d ≥ 0).
func (t *Trace) first(d time.Duration) int64 {
	n := int64(len(t.Ms))
	p := t.Period()
	c := int64(d / p)
	r := d - time.Duration(c)*p
	if r == 0 && c > 0 {
		// The previous cycle's opportunities at its very end (timestamp =
		// period) fall on d itself.
		r, c = p, c-1
	}
	i := sort.Search(len(t.Ms), func(i int) bool { return time.Duration(t.Ms[i])*time.Millisecond >= r })
	return c*n + int64(i)
}

// count returns how many opportunities lie in [from, to).
func (t *Trace) count(from, to time.Duration) int64 {
	if to <= from {
		return 0
	}
	return t.first(max(to, 0)) - t.first(max(from, 0))
}
