package stats

import (
	"fmt"
	"time"
)

// Sample is one reading of a monotonically increasing counter (framesDecoded,
// bytesReceived, …) at a time: for getStats() readings use the report's own
// timestamp, not the time the harness read it.
type Sample struct {
	Time  time.Time
	Value float64
}

// Rate returns the per-second rate of a counter between two readings. ok is
// false when the time does not advance or the counter decreased (a reset: a
// new session), so the interval has no rate.
func Rate(prev, cur Sample) (rate float64, ok bool) {
	dt := cur.Time.Sub(prev.Time).Seconds()
	dv := cur.Value - prev.Value
	if dt <= 0 || dv < 0 {
		return 0, false
	}
	return dv / dt, true
}

// Rates returns the per-second rate of the counter over each interval between
// consecutive samples, in order. Intervals whose time does not advance or
// over which the counter decreases (a reset: a new session) are skipped.
func Rates(samples []Sample) []float64 {
	var out []float64
	for i := 1; i < len(samples); i++ {
		if r, ok := Rate(samples[i-1], samples[i]); ok {
			out = append(out, r)
		}
	}
	return out
}

// MeanRate returns the counter's average rate per second over the usable
// intervals: their total increase divided by their total duration (so a long
// interval weighs more than a short one, unlike the mean of Rates).
func MeanRate(samples []Sample) (float64, error) {
	var dv, dt float64
	for i := 1; i < len(samples); i++ {
		d := samples[i].Time.Sub(samples[i-1].Time).Seconds()
		v := samples[i].Value - samples[i-1].Value
		if d <= 0 || v < 0 {
			continue
		}
		dv += v
		dt += d
	}
	if dt == 0 {
		return 0, fmt.Errorf("mean rate of %d samples: %w", len(samples), ErrEmpty)
	}
	return dv / dt, nil
}

// FPS returns the frames per second over each interval of a framesDecoded
// (or framesEncoded, framesSent …) series. It is Rates under the name the
// reports use.
func FPS(framesDecoded []Sample) []float64 { return Rates(framesDecoded) }

// BitrateKbps returns the bit rate in kbit/s (1 kbit = 1000 bit) over each
// interval of a byte counter series (bytesReceived, bytesSent).
func BitrateKbps(bytes []Sample) []float64 {
	r := Rates(bytes)
	for i := range r {
		r[i] = r[i] * 8 / 1000
	}
	return r
}
