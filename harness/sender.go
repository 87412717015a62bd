package harness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"echtzeit/harness/browser"
	"echtzeit/harness/probe"
	"echtzeit/harness/results"
)

// Camera metrics the harness reads (DESIGN.md, "Camera metrics").
const (
	metricCamCaptured = "echtzeit_camera_frames_captured_total"
	metricCamEncoded  = "echtzeit_camera_frames_encoded_total"
	metricCamSent     = "echtzeit_camera_frames_sent_total"
	metricCamDropped  = "echtzeit_camera_frames_dropped_total"
	metricCamEncode   = "echtzeit_camera_encode_seconds"
)

// senderReading is one reading of the sender's counters.
type senderReading struct {
	at                               time.Time
	captured, encoded, sent, dropped float64
	encode                           []probe.Bucket
	width, height                    int
	source                           string
}

// senderReader reads the sender's counters: the camera's /metrics or the
// sender page's outbound stats.
type senderReader func(ctx context.Context) (senderReading, error)

func cameraMetricsReader(client *http.Client, url string) senderReader {
	return func(ctx context.Context) (senderReading, error) {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		m, err := probe.Scrape(ctx, client, url)
		if err != nil {
			return senderReading{}, err
		}
		if _, ok := m[metricCamEncoded]; !ok {
			return senderReading{}, fmt.Errorf("%s has no %s", url, metricCamEncoded)
		}
		return senderReading{
			at: time.Now(), source: "camera-metrics",
			captured: m[metricCamCaptured], encoded: m[metricCamEncoded],
			sent: m[metricCamSent], dropped: m[metricCamDropped],
			encode: probe.Buckets(m, metricCamEncode),
		}, nil
	}
}

func pageOutboundReader(page *browser.Page) senderReader {
	return func(ctx context.Context) (senderReading, error) {
		ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
		defer cancel()
		s, err := page.Snapshot(ctx)
		if err != nil {
			return senderReading{}, err
		}
		out := s.Outbound
		if out == nil {
			return senderReading{}, errors.New("sender page has no outbound stats")
		}
		return senderReading{
			at: time.UnixMilli(int64(out.Timestamp)), source: "page",
			encoded: out.FramesEncoded, sent: out.FramesSent,
			width: int(out.FrameWidth), height: int(out.FrameHeight),
		}, nil
	}
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
	}
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
