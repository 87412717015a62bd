//go:build cgo

package softenc

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"

	"echtzeit/camera"
	"echtzeit/camera/synthetic"
)

// BenchmarkEncode measures frames per second that capture + software encoding
// sustain for the synthetic pattern (full-frame motion) when nothing else paces
// it: the source is asked for 240 fps, so the encoder is the bottleneck. The
// figures go into reports, they decide nothing.
func BenchmarkEncode(b *testing.B) {
	encoders := []struct {
		name  string
		codec string
		opts  []Option
	}{
		{"vp8-mediadevices", camera.CodecVP8, nil},
		{"vp8-cpu-6-t1", camera.CodecVP8, []Option{WithVP8Tuning(-6, 1)}},
		{"vp8-cpu-12-t1", camera.CodecVP8, []Option{WithVP8Tuning(-12, 1)}},
		{"vp8-cpu-16-t1", camera.CodecVP8, []Option{WithVP8Tuning(-16, 1)}},
		{"vp8-cpu-6-t2", camera.CodecVP8, []Option{WithVP8Tuning(-6, 2)}},
		{"h264-mediadevices", camera.CodecH264, nil},
		{"h264-own-veryfast", camera.CodecH264, []Option{WithH264Tuning("veryfast", 0)}},
		{"h264-own-ultrafast", camera.CodecH264, []Option{WithH264Tuning("ultrafast", 0)}},
	}
	for _, enc := range encoders {
		for _, size := range []struct{ w, h int }{{640, 360}, {1280, 720}, {1920, 1080}} {
			f := camera.Format{Width: size.w, Height: size.h, FPS: 120, Codec: enc.codec}
			b.Run(fmt.Sprintf("%s/%dx%d", enc.name, size.w, size.h), func(b *testing.B) {
				src, err := New(synthetic.Source{}, enc.codec, nil, nil, enc.opts...)
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				n := 0
				cpu0 := cpuTime()
				start := time.Now()
				b.ResetTimer()
				err = src.Stream(ctx, f, func(media.Sample) error {
					n++
					if n >= b.N {
						cancel()
					}
					return nil
				})
				el := time.Since(start)
				cpu := cpuTime() - cpu0
				if err != context.Canceled {
					b.Fatal(err)
				}
				b.ReportMetric(float64(n)/el.Seconds(), "frames/s")
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(n), "cpu-ms/frame")
			})
		}
	}
}

// cpuTime is the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
