package camera_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/camera/softenc"
	"echtzeit/harness/phase"
	"echtzeit/harness/probe"
	webui "echtzeit/interface"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// TestMeasureChromium is a measurement, not a check: with
// ECHTZEIT_CAMERA_MEASURE=1 it streams the synthetic source to Chromium for each
// encoder and resolution and logs the viewer's frame rate, the setup time, the
// frame code latency and the CPU of the camera (this process) and of Chromium.
// Run it in a private network namespace:
//
//	ECHTZEIT_CAMERA_MEASURE=1 go test -run TestMeasureChromium -v ./camera/
func TestMeasureChromium(t *testing.T) {
	if os.Getenv("ECHTZEIT_CAMERA_MEASURE") == "" {
		t.Skip("measurement; set ECHTZEIT_CAMERA_MEASURE=1 to run it")
	}
	window := 8 * time.Second
	encoders := []struct {
		name  string
		codec string
		opts  []softenc.Option
	}{
		{"vp8 mediadevices", camera.CodecVP8, []softenc.Option{}},
		{"vp8 libvpx cpu-used -6", camera.CodecVP8, nil},
		{"h264 mediadevices (x264 veryfast, High)", camera.CodecH264, []softenc.Option{}},
		{"h264 own x264 veryfast baseline", camera.CodecH264, nil},
	}
	sizes := []struct{ w, h int }{{320, 180}, {640, 360}, {1280, 720}, {1920, 1080}}
	var table strings.Builder
	fmt.Fprintf(&table, "| encoder | size | fps (viewer) | camera CPU %% | Chromium CPU %% | joined→first frame ms | latency median ms | frames skipped |\n|---|---|---|---|---|---|---|---|\n")
	for _, enc := range encoders {
		for _, size := range sizes {
			name := fmt.Sprintf("%s %dx%d", enc.name, size.w, size.h)
			t.Run(name, func(t *testing.T) {
				srv := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()))
				opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
				ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
				defer cancel()
				room := protocol.NewRoomID()
				f := camera.Format{Width: size.w, Height: size.h, FPS: 30, Codec: enc.codec}
				cam := startCamera(t, srv.WSURL, opts, room, f, enc.opts...)
				waitState(ctx, t, cam, camera.StateWaiting)
				page := openViewer(ctx, t, srv, room, "")
				first := waitDecoding(ctx, t, page, size.w, size.h, 1)
				time.Sleep(2 * time.Second) // warm-up

				proc := probe.NewProc()
				usage := func() (self, browserCPU float64) {
					st, err := proc.Stat(os.Getpid())
					require.NoError(t, err)
					all, err := proc.All()
					require.NoError(t, err)
					u, err := proc.TreeUsage(all, chromium.Browser(t).PID())
					require.NoError(t, err)
					return float64(st.Ticks) / probe.ClockTicks, float64(u.Ticks) / probe.ClockTicks
				}
				a, err := page.Snapshot(ctx)
				require.NoError(t, err)
				selfA, chromeA := usage()
				t0 := time.Now()
				time.Sleep(window)
				b, err := page.Snapshot(ctx)
				require.NoError(t, err)
				selfB, chromeB := usage()
				el := time.Since(t0).Seconds()
				// The camera's CPU is this process less the shares of the
				// signaling server and the test, which are small.
				fps := (b.Inbound.FramesDecoded - a.Inbound.FramesDecoded) / ((b.Inbound.Timestamp - a.Inbound.Timestamp) / 1000)
				setup := *first.Phases.Get(phase.FirstFrame) - *first.Phases.Get(phase.Joined)
				lat := median(b.FrameCode.LatencyMs)
				row := fmt.Sprintf("| %s | %dx%d | %.1f | %.0f | %.0f | %.0f | %.0f | %d |", enc.name, size.w, size.h, fps,
					100*(selfB-selfA)/el, 100*(chromeB-chromeA)/el, setup, lat, b.FrameCode.Skipped-a.FrameCode.Skipped)
				t.Log(row)
				fmt.Fprintln(&table, row)
			})
		}
	}
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("results (load average %s):\n%s", strings.TrimSpace(string(load)), table.String())
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
