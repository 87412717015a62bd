package passthrough

import (
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
)

// minFrameGap keeps two pictures that arrived in one read (a burst) from
// getting the same RTP timestamp: a receiver would take them for one frame.
const minFrameGap = time.Millisecond

// arrivalClock turns access units into samples whose durations come from
// when the units arrived (not from a ticker), so the RTP clock follows the
// camera's real frame times. A unit's duration is known when the first NAL
// unit of the next one arrives — exactly when the assembler hands it out.
type arrivalClock struct {
	cur     time.Time // timestamp of the unit being assembled
	lastDur time.Duration
}

// sample returns the sample for a completed unit au; next is when the unit
// after it began (zero at the end of the stream).
func (c *arrivalClock) sample(au AccessUnit, next time.Time) media.Sample {
	if c.cur.IsZero() {
		c.cur = au.Arrival
	}
	s := media.Sample{Data: au.AnnexB(), Timestamp: c.cur}
	if !au.HasVCL {
		// Parameter sets or SEI on their own: they share the next frame's
		// timestamp and do not advance the clock.
		return s
	}
	switch {
	case next.IsZero():
		s.Duration = c.lastDur
	default:
		ts := next
		if ts.Before(c.cur.Add(minFrameGap)) {
			ts = c.cur.Add(minFrameGap)
		}
		s.Duration = ts.Sub(c.cur)
		c.cur = ts
	}
	c.lastDur = s.Duration
	return s
}
