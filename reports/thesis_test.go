package reports

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/results"
	"echtzeit/internal/contract"
)

func ptrf(v float64) *float64 { return &v }

// media builds a successful (fps > 0) or failed (fps == 0) media trial.
func mediaTrial(kind results.Kind, codec contract.Codec, w, h int, fps float64) results.Trial {
	t := results.Trial{Kind: kind, Params: results.Params{Width: w, Height: h, Resolution: fmt.Sprintf("%dx%d", w, h), Codec: codec, Repeat: 1}}
	if fps > 0 {
		t.OK, t.FPSMean, t.SetupMs = true, fps, ptrf(400)
	} else {
		t.FailReason = "timeout waiting for the first frame after 20s"
	}
	return t
}

// gstTrial is a media trial of the GStreamer sender under budget cpu ("" for
// none).
func gstTrial(codec contract.Codec, w, h int, fps float64, cpu string) results.Trial {
	t := budgetTrial(mediaTrial(results.KindCameraToBrowser, codec, w, h, fps), cpu)
	t.Params.Sender = results.SenderGStreamer
	return t
}

// budgetTrial puts t under the budget cpu (pi4 = 1.2 cores here).
func budgetTrial(t results.Trial, cpu string) results.Trial {
	t.Params.CPU = cpu
	if cpu == "pi4" {
		t.Params.CPUCores = ptrf(1.2)
	}
	return t
}

func repeat(t results.Trial, n int) []results.Trial {
	out := make([]results.Trial, n)
	for i := range out {
		out[i] = t
	}
	return out
}

func loadTrial(participants int, rate, cpu float64, ok bool) results.Trial {
	t := results.Trial{Kind: results.KindSignalingLoad, OK: ok, Params: results.Params{Participants: participants, SignalRate: rate, Repeat: 1}}
	if ok {
		t.Processes = map[string]results.ProcessStats{results.ProcessSignaling: {CPUPct: cpu, Samples: 5}}
	} else {
		t.FailReason = "signaling exited"
	}
	return t
}

func TestComparisonVerdicts(t *testing.T) {
	cam, browser := results.KindCameraToBrowser, results.KindBrowserToBrowser
	cases := []struct {
		name    string
		remote  bool
		trials  []results.Trial
		row     int // index into comparisons()
		verdict string
		measure string // a substring of the measured column
	}{
		{"camera 720x480 above target", false, []results.Trial{mediaTrial(cam, "vp8", 720, 480, 29.5), mediaTrial(cam, "h264", 720, 480, 30)}, 0, "reproduced", "camera H.264: 30.0 fps mean (1 of 1 trials ok)"},
		{"camera 720x480 below target", false, []results.Trial{mediaTrial(cam, "vp8", 720, 480, 12), mediaTrial(cam, "vp8", 720, 480, 14)}, 0, "not reproduced: camera VP8 averaged 13.0 fps, below 15 fps", "13.0 [12.0–14.0] fps mean (2 of 2 trials ok)"},
		{"camera 720x480 only failures", false, []results.Trial{mediaTrial(cam, "vp8", 720, 480, 0)}, 0, "not measured in this run: every trial at 720×480 failed (see Failed trials)", "0 of 1"},
		{"camera not at 720x480", false, []results.Trial{mediaTrial(cam, "vp8", 640, 360, 30)}, 0, "not measured in this run: no camera-to-browser trial at 720×480", "–"},
		{"browser 720x480", false, []results.Trial{mediaTrial(browser, "vp8", 720, 480, 30)}, 1, "reproduced", "browser VP8: 30.0"},
		{"browser 720x480 scaled down", false, []results.Trial{func() results.Trial {
			tr := mediaTrial(browser, "vp8", 720, 480, 30)
			tr.ReceivedWidth, tr.ReceivedHeight = 480, 320
			return tr
		}()}, 1, "reproduced", "(1 of 1 trials ok, 1 received smaller than 720×480)"},
		{"browser usually above", false, []results.Trial{
			mediaTrial(browser, "vp8", 160, 90, 30), mediaTrial(browser, "vp8", 640, 360, 29),
			mediaTrial(browser, "vp8", 720, 480, 28), mediaTrial(browser, "vp8", 1280, 720, 27), mediaTrial(browser, "vp8", 1920, 1080, 14),
		}, 2, "reproduced", "4 of 5 successful trials above 15 fps"},
		{"browser mostly below", false, []results.Trial{mediaTrial(browser, "vp8", 160, 90, 30), mediaTrial(browser, "vp8", 1920, 1080, 10)}, 2, "not reproduced: only 50 %", "1 of 2"},
		{"no browser trials", false, nil, 2, "not measured in this run: no browser-to-browser trial", "–"},
		{"Pi curve on a Pi", true, []results.Trial{
			mediaTrial(cam, "h264", 160, 90, 15.2), mediaTrial(cam, "h264", 640, 360, 6), mediaTrial(cam, "h264", 1280, 720, 2.5),
		}, 3, "reproduced", "15.2 fps at 160×90, 2.5 fps at 1280×720 (remote camera)"},
		{"Pi curve on a PC", false, []results.Trial{mediaTrial(cam, "vp8", 160, 90, 30), mediaTrial(cam, "vp8", 1280, 720, 24)}, 3, "not reproduced: camera VP8 holds 80 % of its 160×90 rate at 1280×720 — the camera ran on this machine, not on a Raspberry Pi", "(this machine (CPU X) is not a Pi)"},
		{"Pi curve without 160x90", false, []results.Trial{mediaTrial(cam, "vp8", 1280, 720, 24)}, 3, "not measured in this run: no successful camera trial at 160×90", "–"},
		{"signaling 50 below 1 %", false, []results.Trial{loadTrial(2, 1, 0.01, true), loadTrial(50, 1, 0.4, true), loadTrial(50, 1, 0.6, true)}, 4, "reproduced", "0.50 [0.40–0.60] % mean over 2 trials at 50 participants (1 signal/s per client) on CPU X"},
		{"signaling 50 above 1 %", false, []results.Trial{loadTrial(50, 10, 2.5, true)}, 4, "not reproduced: 2.50 % ≥ 1 %", "10 signals/s per client"},
		{"signaling 50 idle only", false, []results.Trial{loadTrial(50, 0, 0.0, true)}, 4, "reproduced", "idle: connected, no signals"},
		{"signaling 50 failed", false, []results.Trial{loadTrial(50, 1, 0, false)}, 4, "not measured in this run: every signaling-load trial with 50 participants failed (see Failed trials)", "0 of 1 trials ok"},
		{"signaling not at 50", false, []results.Trial{loadTrial(500, 1, 3, true)}, 4, "not measured in this run: no signaling-load trial with 50 participants", "–"},
		{"idle 0.0 %", false, []results.Trial{loadTrial(50, 0, 0.02, true)}, 5, "reproduced", "0.02 % mean over 1 signaling-load trial with"},
		{"idle above 0.0 %", false, []results.Trial{loadTrial(50, 0, 0.3, true)}, 5, "not reproduced: 0.30 % rounds above 0.0 %", "0.30 %"},
		{"idle from media trials", false, []results.Trial{func() results.Trial {
			tr := mediaTrial(cam, "vp8", 640, 360, 30)
			tr.Processes = map[string]results.ProcessStats{results.ProcessSignaling: {CPUPct: 0, Samples: 8}}
			return tr
		}()}, 5, "reproduced", "1 media trial, measurement window only"},
		{"all camera setups succeed", false, []results.Trial{mediaTrial(cam, "vp8", 640, 360, 30), mediaTrial(cam, "h264", 640, 360, 30)}, 6, "not measured in this run: no GStreamer sender trial", "echtzeit camera: 2 of 2 (100.0 %, 95 % CI 34.2–100.0 %)"},
		{"a camera setup fails", false, []results.Trial{mediaTrial(cam, "vp8", 640, 360, 30), mediaTrial(cam, "vp8", 640, 360, 0)}, 6, "not measured in this run: no GStreamer sender trial (scenario axis senders: [gstreamer]); the echtzeit camera failed 1 of 2 setups", "echtzeit camera: 1 of 2 (50.0 %"},
		{"GStreamer as reliable as the browsers", false, append(repeat(gstTrial("vp8", 640, 360, 30, ""), 3), repeat(mediaTrial(browser, "vp8", 640, 360, 30), 3)...), 6,
			"not reproduced: all 3 GStreamer setups succeeded", "GStreamer sender: 3 of 3 (100.0 %, 95 % CI 43.9–100.0 %), setup p50 0.4 s, p95 0.4 s; browser: 3 of 3"},
		{"GStreamer reliable but slow", false, append(repeat(func() results.Trial {
			tr := gstTrial("vp8", 640, 360, 30, "")
			tr.SetupMs = ptrf(5000)
			return tr
		}(), 3), repeat(mediaTrial(browser, "vp8", 640, 360, 30), 3)...), 6,
			"not reproduced: all 3 GStreamer setups succeeded (95 % CI 43.9–100 %) — with this project's signaling and libnice on loopback the setup is reliable; but its setup was slower: median 5.0 s against the browser's 0.4 s", "setup p50 5.0 s"},
		{"GStreamer fails often", false, append(append(repeat(gstTrial("vp8", 640, 360, 30, "host"), 5), repeat(gstTrial("vp8", 640, 360, 0, "host"), 15)...), repeat(mediaTrial(browser, "vp8", 640, 360, 30), 20)...), 6,
			"reproduced: the GStreamer sender set up significantly less often than the browser", "GStreamer sender: 5 of 20 (25.0 %"},
		{"GStreamer fails once, intervals overlap", false, append(append(repeat(gstTrial("vp8", 640, 360, 30, ""), 9), gstTrial("vp8", 640, 360, 0, "")), repeat(mediaTrial(browser, "vp8", 640, 360, 30), 10)...), 6,
			"not reproduced: 1 of 10 GStreamer setups failed", "GStreamer sender: 9 of 10"},
		{"GStreamer only under a budget", false, []results.Trial{gstTrial("vp8", 640, 360, 30, "pi4")}, 6, "not measured in this run: every media trial ran under a CPU budget", "–"},
		{"Pi curve under the pi4 budget, reproduced", false, []results.Trial{
			gstTrial("vp8", 160, 90, 14.5, "pi4"), gstTrial("vp8", 640, 360, 8, "pi4"), gstTrial("vp8", 1280, 720, 3, "pi4"),
			budgetTrial(mediaTrial(cam, "vp8", 160, 90, 30), "pi4"), budgetTrial(mediaTrial(cam, "vp8", 1280, 720, 20), "pi4"),
		}, 3, "reproduced by GStreamer VP8 cpu pi4: 14.5 fps at 160×90 (near 15), 21 % of it at 1280×720 (collapsed)",
			"camera VP8 cpu pi4 (software): 160×90 30.0, 1280×720 20.0 fps; GStreamer VP8 cpu pi4: 160×90 14.5, 640×360 8.0, 1280×720 3.0 fps — under the pi4 budget (1.20 cores of this machine)"},
		{"Pi curve under the pi4 budget without 160x90", false, []results.Trial{gstTrial("vp8", 320, 180, 27, "pi4"), gstTrial("vp8", 1280, 720, 6, "pi4")}, 3,
			"not measured in this run: no trial of the GStreamer sender at 160×90 under the pi4 budget", "GStreamer VP8 cpu pi4: 320×180 27.0, 1280×720 6.0 fps"},
		{"Pi curve under the pi4 budget, not reproduced", false, []results.Trial{
			gstTrial("vp8", 160, 90, 30, "pi4"), gstTrial("vp8", 1280, 720, 25, "pi4"),
		}, 3, "not reproduced: GStreamer VP8 cpu pi4: 30.0 fps at 160×90 (not near 15), 83 % of it at 1280×720 (no collapse)", "GStreamer VP8 cpu pi4: 160×90 30.0, 1280×720 25.0 fps"},
		{"no media", false, nil, 6, "not measured in this run: no media trial", "–"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := range c.trials {
				c.trials[i].Index = i
				c.trials[i].Remote = c.remote
			}
			r := &run{env: results.Environment{CPUModel: "CPU X", Remote: c.remote}, trials: c.trials}
			rows := comparisons(r)
			require.Len(t, rows, 7)
			got := rows[c.row]
			assert.True(t, strings.HasPrefix(got.verdict, c.verdict), "verdict %q, want prefix %q", got.verdict, c.verdict)
			assert.Contains(t, got.measured, c.measure)
			for _, row := range rows {
				ok := row.verdict == "reproduced" || strings.HasPrefix(row.verdict, "reproduced") ||
					strings.HasPrefix(row.verdict, "not reproduced: ") || strings.HasPrefix(row.verdict, "not measured in this run: ")
				assert.True(t, ok, "verdict in words: %q", row.verdict)
				assert.NotEmpty(t, row.thesis)
				assert.NotEmpty(t, row.measured)
			}
		})
	}
}

func TestResolutionOrder(t *testing.T) {
	var ts []results.Trial
	for _, r := range []string{"1920x1080", "160x90", "720x480", "640x480", "1280x720", "640x360", "720x480"} {
		var w, h int
		_, err := fmt.Sscanf(r, "%dx%d", &w, &h)
		require.NoError(t, err)
		ts = append(ts, mediaTrial(results.KindCameraToBrowser, "vp8", w, h, 30))
	}
	var got []string
	for _, r := range resolutions(ts) {
		got = append(got, r.String())
	}
	assert.Equal(t, []string{"160x90", "640x360", "640x480", "720x480", "1280x720", "1920x1080"}, got)
}

func TestSenderLabels(t *testing.T) {
	cases := []struct {
		name   string
		trials []results.Trial
		want   []string
	}{
		{"one source", []results.Trial{
			mediaTrial(results.KindBrowserToBrowser, "vp8", 1, 1, 1),
			mediaTrial(results.KindCameraToBrowser, "h264", 1, 1, 1),
			mediaTrial(results.KindCameraToBrowser, "vp8", 1, 1, 1),
		}, []string{"camera VP8", "camera H.264", "browser VP8"}},
		{"two sources", func() []results.Trial {
			a := mediaTrial(results.KindCameraToBrowser, "h264", 1, 1, 1)
			a.Params.Source = "synthetic"
			b := mediaTrial(results.KindCameraToBrowser, "h264", 1, 1, 1)
			b.Params.Source, b.Remote = "rpicam", true
			return []results.Trial{b, a}
		}(), []string{"camera H.264 rpicam (remote)", "camera H.264 synthetic"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set := sendersOf(c.trials)
			var got []string
			for _, s := range set.list {
				got = append(got, set.labels[s])
			}
			assert.Equal(t, c.want, got)
		})
	}
}

func TestPlural(t *testing.T) {
	cases := []struct {
		n          int
		noun, want string
	}{
		{0, "trial", "0 trials"},
		{1, "trial", "1 trial"},
		{2, "trial{s} with x", "2 trials with x"},
		{1, "trial{s} with x", "1 trial with x"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, plural(c.n, c.noun))
	}
}
