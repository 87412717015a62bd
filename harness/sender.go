package harness

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"echtzeit/harness/probe"
	"echtzeit/harness/results"
)

// Sender is a part that sends video into a trial's room: the camera program,
// a remote camera, a Chromium sender page. A trial starts it, checks that it
// is alive while it measures, reads its counters at the edges of the
// measurement window, and stops it (DESIGN.md, "Senders").
type Sender interface {
	// Start puts the sender into the trial's room and returns once it is
	// there, ready for a viewer. It adds the processes to measure to
	// t.probes.
	Start(ctx context.Context, t *mediaTrial) error
	// ViewerQuery returns what the viewer page's URL needs besides the room
	// (e.g. a format request for a camera the harness does not start); nil
	// when nothing.
	ViewerQuery() url.Values
	// Check returns a *partError when the sender is gone.
	Check() error
	// Counters reads the sender's own counters; errNoCounters when it has
	// none to read.
	Counters(ctx context.Context) (senderReading, error)
	// Stop stops the sender and releases what it holds. It is called once
	// after Start, also when Start failed.
	Stop() error
}

// errNoCounters is returned by senders whose counters cannot be read.
var errNoCounters = errors.New("the sender has no counters to read")

// senderKinds maps params.sender to the constructor of that kind of sender:
// adding a sender kind is one file with a Sender and one line here.
var senderKinds = map[string]func(t *mediaTrial) Sender{
	results.SenderEchtzeit:  newCameraSender,
	results.SenderChromium:  newPageSender,
	results.SenderGStreamer: newGStreamerSender,
}

// newSender returns the trial's sender.
func newSender(t *mediaTrial) (Sender, error) {
	name := t.sp.Params.Sender
	mk, ok := senderKinds[name]
	if !ok {
		return nil, fmt.Errorf("no sender of kind %q", name)
	}
	return mk(t), nil
}

// senderReading is one reading of the sender's counters.
type senderReading struct {
	at                               time.Time
	captured, encoded, sent, dropped float64
	encode                           []probe.Bucket
	width, height                    int
	source                           string
	// bytesSent counts the bytes sent; target is the congestion control's
	// target bitrate in bit/s, NaN when the sender reports none.
	bytesSent, target float64
	// Sums (seconds) and counts of the encode and send times, for their
	// means over the window; zero when the sender has none.
	encodeSum, encodeCount float64
	sendSum, sendCount     float64
}

// meanMs returns the mean in ms of a (sum seconds, count) pair over the
// window between two readings; nil when nothing was counted.
func meanMs(sumA, countA, sumB, countB float64) *float64 {
	dc := countB - countA
	ds := sumB - sumA
	if dc <= 0 || ds < 0 {
		return nil
	}
	ms := ds / dc * 1000
	return &ms
}

// senderRow is the sender's samples.csv row for the interval between two
// readings: encoded fps, sent bitrate, target bitrate.
func senderRow(a, b senderReading, trial int) results.Sample {
	row := results.NewSample(trial, results.ProcessSender)
	if dt := b.at.Sub(a.at).Seconds(); dt > 0 {
		row.FPS = (b.encoded - a.encoded) / dt
		if b.bytesSent >= a.bytesSent && (a.bytesSent > 0 || b.bytesSent > 0) {
			row.BitrateKbps = (b.bytesSent - a.bytesSent) * 8 / dt / 1000
		}
	}
	row.TargetKbps = b.target / 1000
	return row
}

// senderStats summarises the window between two readings.
func senderStats(a, b senderReading) *results.SenderStats {
	s := &results.SenderStats{
		Source:         b.source,
		FramesCaptured: int64(b.captured - a.captured),
		FramesEncoded:  int64(b.encoded - a.encoded),
		FramesSent:     int64(b.sent - a.sent),
		FramesDropped:  int64(b.dropped - a.dropped),
		Width:          b.width,
		Height:         b.height,
	}
	if dt := b.at.Sub(a.at).Seconds(); dt > 0 {
		s.EncodedFPS = (b.encoded - a.encoded) / dt
		if b.bytesSent > a.bytesSent {
			kbps := (b.bytesSent - a.bytesSent) * 8 / dt / 1000
			s.BitrateKbps = &kbps
		}
	}
	s.EncodeMeanMs = meanMs(a.encodeSum, a.encodeCount, b.encodeSum, b.encodeCount)
	s.SendMeanMs = meanMs(a.sendSum, a.sendCount, b.sendSum, b.sendCount)
	if len(b.encode) > 0 {
		d := probe.BucketDelta(a.encode, b.encode)
		if v, ok := probe.HistogramQuantile(0.5, d); ok {
			ms := v * 1000
			s.EncodeP50Ms = &ms
		}
		if v, ok := probe.HistogramQuantile(0.95, d); ok {
			ms := v * 1000
			s.EncodeP95Ms = &ms
		}
	}
	return s
}
