package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"
	dto "github.com/prometheus/client_model/go"

	"echtzeit/camera"
)

// benchOptions are the flags of --benchmark: capture and encode without a
// network, to calibrate the CPU budgets (DESIGN.md "CPU budgets").
type benchOptions struct {
	enabled  bool
	duration time.Duration
}

func registerBenchmarkFlags(fs *flag.FlagSet, b *benchOptions) {
	fs.BoolVar(&b.enabled, "benchmark", false, "capture and encode the source for --benchmark-duration without a network, print frames per second and per CPU-second, and exit")
	fs.DurationVar(&b.duration, "benchmark-duration", 10*time.Second, "how long --benchmark runs")
}

// format is the camera's default format from the flags.
func (o options) format() camera.Format {
	return camera.Format{
		Width: o.width, Height: o.height, FPS: o.fps, Codec: o.codec,
		Bitrate: o.bitrate, KeyframeInterval: o.keyframeInt,
	}
}

// benchResult is what --benchmark measured.
type benchResult struct {
	frames       int
	wall, cpu    time.Duration
	encodeMeanMs float64 // 0 when the source does not encode here
	dropped      float64
}

func (r benchResult) fps() float64 { return float64(r.frames) / r.wall.Seconds() }

// framesPerCPUSecond is the speed measure that does not depend on the source's
// pacing: for a single-threaded encoder the ratio of two machines' values is
// the ratio of their per-core speeds.
func (r benchResult) framesPerCPUSecond() float64 {
	if r.cpu <= 0 {
		return 0
	}
	return float64(r.frames) / r.cpu.Seconds()
}

// runBenchmark streams src in format f into a counter for the configured time.
func runBenchmark(ctx context.Context, b benchOptions, src camera.EncodedSource, sourceName string, f camera.Format, m *camera.Metrics, stdout io.Writer) error {
	if b.duration <= 0 {
		return errors.New("--benchmark-duration must be greater than zero")
	}
	fmt.Fprintf(stdout, "benchmark: source=%s codec=%s size=%dx%d fps=%d duration=%s\n", sourceName, f.Codec, f.Width, f.Height, f.FPS, b.duration)
	ctx, cancel := context.WithTimeout(ctx, b.duration)
	defer cancel()
	frames := 0
	cpu0 := processCPU()
	start := time.Now()
	err := src.Stream(ctx, f, func(s media.Sample) error {
		if s.Duration > 0 {
			frames++
		}
		return nil
	})
	r := benchResult{frames: frames, wall: time.Since(start), cpu: processCPU() - cpu0}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("benchmark: %w", err)
	}
	r.encodeMeanMs, r.dropped = encodeFigures(m)
	fmt.Fprintf(stdout, "frames=%d fps=%.1f cpu-cores=%.2f frames-per-cpu-second=%.1f encode-mean-ms=%.2f dropped=%.0f\n",
		r.frames, r.fps(), r.cpu.Seconds()/r.wall.Seconds(), r.framesPerCPUSecond(), r.encodeMeanMs, r.dropped)
	return nil
}

// processCPU is this process's user and system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// encodeFigures reads the mean encode time and the dropped frames from the
// camera's metrics.
func encodeFigures(m *camera.Metrics) (meanMs, dropped float64) {
	families, err := m.Registry().Gather()
	if err != nil {
		return 0, 0
	}
	for _, mf := range families {
		for _, metric := range mf.GetMetric() {
			switch mf.GetName() {
			case "echtzeit_camera_encode_seconds":
				meanMs = histogramMeanMs(metric.GetHistogram())
			case "echtzeit_camera_frames_dropped_total":
				dropped = metric.GetCounter().GetValue()
			}
		}
	}
	return meanMs, dropped
}

func histogramMeanMs(h *dto.Histogram) float64 {
	if h.GetSampleCount() == 0 {
		return 0
	}
	return h.GetSampleSum() / float64(h.GetSampleCount()) * 1000
}
