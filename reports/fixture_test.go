package reports

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"echtzeit/harness/phase"
	"echtzeit/harness/results"
	"echtzeit/harness/stats"
	"echtzeit/internal/contract"
)

var writeFixture = flag.Bool("write-fixture", false, "rewrite testdata/run-fixture from the model in fixture_test.go")

const fixtureDir = "testdata/run-fixture"

// fixtureDirB is the same model with known changes (fixtureChanges), for
// harness compare's tests: a regression of the VP8 camera at 1280×720 and an
// improvement of the H.264 camera's latency.
const fixtureDirB = "testdata/run-fixture-b"

// fixtureScenario is the scenario the fixture pretends to have run.
const fixtureScenario = `# Hand-made fixture for the reports tests (see README.md): a smaller thesis.yaml
# with three repeats so the plots show distributions.
name: fixture
description: thesis-like sweep, synthetic numbers
warmup: 2s
measure: 5s
timeout: 40s
repeats: 3
trials:
  - kind: camera-to-browser
    resolutions: [160x90, 640x360, 720x480, 1280x720]
    codecs: [vp8, h264]
    sources: [synthetic]
    fps: [30]
  - kind: browser-to-browser
    resolutions: [160x90, 640x360, 720x480, 1280x720]
    codecs: [vp8]
    sources: [fake, canvas]
    fps: [30]
  - kind: signaling-load
    participants: [2, 50, 500]
    rate: 1
    signal-bytes: 1000
    repeats: 1
  - kind: signaling-load
    participants: [50]
    rate: 0
    repeats: 1
`

// TestWriteFixture writes the fixture run folder from a model of plausible
// figures (shaped after FIELD-NOTES.md's probe: VP8 at one core tops out
// near 24 fps at 1280×720, H.264 holds 30, Chromium's fake camera 30) with
// deterministic noise, through the harness's own writers. It runs only with
// -write-fixture.
func TestWriteFixture(t *testing.T) {
	if !*writeFixture {
		t.Skip("run with -write-fixture to rewrite " + fixtureDir + " and " + fixtureDirB)
	}
	writeFixtureRun(t, fixtureDir, false)
	writeFixtureRun(t, fixtureDirB, true)
}

// Known changes of run-fixture-b against run-fixture (harness compare's
// tests check that it finds exactly these).
const (
	fixtureBFPSFactor      = 0.75 // camera VP8 at 1280×720: fps × 0.75
	fixtureBCPUFactor      = 1.3  // and its camera CPU × 1.3
	fixtureBJitterBufferMs = 25   // camera H.264: 25 ms less in the jitter buffer
)

// writeFixtureRun writes the model's run folder into dir; changed applies
// the known changes of run B.
func writeFixtureRun(t *testing.T, fixtureDir string, changed bool) {
	// Remove the raw files only: README.md stays.
	for _, name := range []string{results.FileScenario, results.FileEnvironment, results.FileTrials, results.FileSamples, results.FileLog} {
		if err := os.Remove(filepath.Join(fixtureDir, name)); err != nil && !os.IsNotExist(err) {
			require.NoError(t, err)
		}
	}
	require.NoError(t, os.MkdirAll(fixtureDir, 0o755))
	rng := rand.New(rand.NewPCG(2022, 6))
	noise := func(scale float64) float64 { return (rng.Float64()*2 - 1) * scale }
	round := func(v float64, digits int) float64 {
		p := math.Pow(10, float64(digits))
		return math.Round(v*p) / p
	}
	ptr := func(v float64) *float64 { return &v }

	start := time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)
	commit := "0000000000000000000000000000000000000000"
	if changed {
		start, commit = start.Add(time.Hour), "1111111111111111111111111111111111111111"
	}
	env := results.Environment{
		Scenario: "fixture", ScenarioFile: "scenarios/fixture.yaml", StartTime: start,
		Hostname: "fixture-host", CPUModel: "AMD EPYC", Cores: 2, Kernel: "6.18.44",
		OS: "linux", Arch: "amd64", MemTotalBytes: 24684092 * 1024, GoVersion: "go1.26.8",
		ChromiumVersion: "Chromium 156.0.8078.108", GitCommit: commit,
		Binaries: map[string]string{"camera": "bin/camera", "signaling": "bin/signaling"},
		Warnings: []string{"fixture: numbers are synthetic, not measured"},
	}
	require.NoError(t, os.WriteFile(filepath.Join(fixtureDir, results.FileScenario), []byte(fixtureScenario), 0o644))

	sw, err := results.OpenSampleWriter(filepath.Join(fixtureDir, results.FileSamples))
	require.NoError(t, err)
	trialsPath := filepath.Join(fixtureDir, results.FileTrials)
	now := start.Add(3 * time.Second)
	index := 0

	type media struct {
		kind   results.Kind
		codec  contract.Codec
		source string
		fps    func(px float64) float64 // mean fps at px pixels
		cpu    func(px float64) float64 // sender CPU %
	}
	const px720p = 1280 * 720
	senders := []media{
		{results.KindCameraToBrowser, "vp8", "synthetic",
			func(px float64) float64 { return math.Min(30, 30*math.Pow(px720p/px, 0.35)*0.8) },
			func(px float64) float64 { return math.Min(98, 3+95*px/px720p) }},
		{results.KindCameraToBrowser, "h264", "synthetic",
			func(float64) float64 { return 30 },
			func(px float64) float64 { return 2 + 75*px/px720p }},
		{results.KindBrowserToBrowser, "vp8", "fake",
			func(px float64) float64 { return 30 - 0.5*px/px720p },
			nil},
		{results.KindBrowserToBrowser, "vp8", "canvas",
			func(px float64) float64 { return 30 - 1.5*px/px720p },
			nil},
	}
	resList := []resolution{{160, 90}, {640, 360}, {720, 480}, {1280, 720}}
	for _, s := range senders {
		for _, res := range resList {
			for rep := 1; rep <= 3; rep++ {
				px := float64(res.pixels())
				tr := results.Trial{
					Index: index, Kind: s.kind,
					Name: fmt.Sprintf("%s %s %s %s 30fps #%d", s.kind, res, s.codec, s.source, rep),
					Params: results.Params{Width: res.W, Height: res.H, Resolution: res.String(), Codec: s.codec, Sender: senderKind(s.kind),
						Source: s.source, FPS: 30, Participants: 2, Repeat: rep},
					WarmupS: 2, MeasureS: 5, Start: now,
				}
				failCam := s.kind == results.KindCameraToBrowser && s.codec == "h264" && res.W == 1280 && rep == 2
				failBrowser := s.kind == results.KindBrowserToBrowser && res.W == 640 && rep == 3
				regressed := changed && s.kind == results.KindCameraToBrowser && s.codec == "vp8" && res.W == 1280
				improved := changed && s.kind == results.KindCameraToBrowser && s.codec == "h264"
				base := 60 + 40*rng.Float64()
				tr.Phases.Set(phase.PageLoaded, ptr(round(base-12, 1)))
				tr.Phases.Set(phase.WSOpen, ptr(round(base, 1)))
				tr.Phases.Set(phase.Hello, ptr(round(base+4, 1)))
				tr.Phases.Set(phase.Joined, ptr(round(base+9, 1)))
				switch {
				case failCam:
					tr.Phases.Set(phase.Offer, ptr(round(base+60, 1)))
					tr.Phases.Set(phase.Answer, ptr(round(base+75, 1)))
					tr.FailReason = "timeout waiting for the first frame after 20s"
					tr.FailedComponent = results.ProcessCamera
					tr.StderrTail = "level=WARN msg=\"peer connection\" state=failed\nlevel=INFO msg=\"waiting for the next viewer\"\n"
				case failBrowser:
					tr.FailReason = "sender page: getUserMedia: NotReadableError: Could not start video source"
					tr.FailedComponent = results.ProcessBrowser
				default:
					tr.OK = true
					offer := round(base+70+noise(10), 1)
					answer := round(offer+15+noise(5), 1)
					ice := round(answer+60+noise(20), 1)
					first := round(ice+120+px/px720p*150+noise(60), 1)
					dtls := round(ice+8+noise(3), 1)
					for ph, v := range map[phase.Phase]float64{phase.Offer: offer, phase.Answer: answer, phase.ICEConnected: ice,
						phase.DTLSConnected: dtls, phase.FirstFrame: first} {
						tr.Phases.Set(ph, ptr(v))
					}
					nav := round(9+noise(3), 1)
					tr.SetupPageMs, tr.NavigationDelayMs, tr.SetupMs = ptr(first), ptr(nav), ptr(round(first+nav, 1))
				}

				cpuSender := 0.0
				if s.cpu != nil {
					cpuSender = s.cpu(px)
				}
				cpuBrowser := 12 + 30*px/px720p
				if s.kind == results.KindBrowserToBrowser {
					cpuBrowser = 25 + 60*px/px720p // both pages in one Chromium
				}
				fps := s.fps(px)
				if regressed {
					fps *= fixtureBFPSFactor
					cpuSender *= fixtureBCPUFactor
				}
				// The latency's parts (ms per frame): H.264 waits longer in the
				// jitter buffer (its frame sizes vary more).
				codeSource := s.source == "synthetic" || s.source == "canvas"
				encode, jb, decode := 3+9*px/px720p, 12+8*px/px720p, 2+5*px/px720p
				if s.codec == "h264" {
					encode, jb, decode = 5+12*px/px720p, 38+30*px/px720p, 2+4*px/px720p
					if improved {
						jb -= fixtureBJitterBufferMs
					}
				}
				latMean := encode + 0.3 + 0.05 + jb + decode + 14
				var fpsSeries []float64
				var lat []float64
				// Two warm-up rows, then five measured seconds.
				for sec := range 7 {
					measuring := sec >= 2
					at := now.Add(time.Duration(sec+1) * time.Second)
					if tr.OK {
						v := results.NewSample(index, results.ProcessViewer)
						v.T, v.Time, v.Measuring = float64(sec+1), at, measuring
						v.FPS = round(math.Max(0, fps+noise(1.2)), 2)
						v.Width, v.Height = res.W, res.H
						v.FramesDecoded = round(fps*float64(sec+1), 0)
						v.FramesDropped = 0
						v.BitrateKbps = round(300+2200*px/px720p+noise(80), 1)
						v.PacketLossPct, v.JitterMs = 0, round(2+noise(1), 2)
						if codeSource {
							v.LatencyMs = round(latMean-2+noise(6), 1)
							lat = append(lat, v.LatencyMs)
						}
						require.NoError(t, sw.Write(v))
						if measuring {
							fpsSeries = append(fpsSeries, v.FPS)
						}
					}
					for _, proc := range []struct {
						name string
						cpu  float64
						rss  float64
					}{
						{results.ProcessCamera, cpuSender, 40e6 + 60e6*px/px720p},
						{results.ProcessBrowser, cpuBrowser, 380e6 + 120e6*px/px720p},
						{results.ProcessSignaling, 0.1, 14e6},
					} {
						if proc.name == results.ProcessCamera && s.kind != results.KindCameraToBrowser {
							continue
						}
						p := results.NewSample(index, proc.name)
						p.T, p.Time, p.Measuring = float64(sec+1), at, measuring
						c := proc.cpu + noise(proc.cpu*0.08)
						if proc.name == results.ProcessSignaling {
							c = float64(rng.IntN(4)%3/2) * 10 // one 10 ms tick now and then
						}
						p.CPUPct, p.RSSBytes = round(c, 1), round(proc.rss+noise(2e6), 0)
						require.NoError(t, sw.Write(p))
					}
				}
				if tr.OK {
					m, p5 := meanP5(fpsSeries)
					tr.FPSMean, tr.FPSP5 = round(m, 2), round(p5, 2)
					tr.ReceivedWidth, tr.ReceivedHeight = res.W, res.H
					tr.FramesDecoded = int64(math.Round(m * 5))
					tr.BitrateKbps = round(300+2200*px/px720p, 0)
					tr.JitterMs = 2
					tr.Codec = "video/" + map[contract.Codec]string{"vp8": "VP8", "h264": "H264"}[s.codec]
					tr.DecoderImplementation = "libvpx"
					if s.codec == "h264" {
						tr.DecoderImplementation = "FFmpeg"
					}
					if len(lat) > 0 {
						p50, p95 := pct(lat, 50), pct(lat, 95)
						tr.LatencyP50Ms, tr.LatencyP95Ms, tr.LatencySamples = ptr(round(p50, 1)), ptr(round(p95+15, 1)), 150
						tr.LatencyMeanMs = ptr(round(latMean+noise(2), 1))
						tr.Delays = &results.Delays{
							EncodeMs: ptr(round(encode+noise(0.5), 2)), SendMs: ptr(round(0.3+noise(0.05), 2)), NetworkMs: ptr(0.05),
							AssemblyMs: ptr(round(0.4+noise(0.1), 2)), JitterBufferMs: ptr(round(jb+noise(2), 2)),
							JitterBufferTargetMs: ptr(round(jb+3, 2)), JitterBufferMinimumMs: ptr(round(jb+3, 2)),
							DecodeMs: ptr(round(decode+noise(0.3), 2)), ProcessingMs: ptr(round(jb+decode+0.4+noise(0.3), 2)),
						}
						// Picture quality falls with the pixels per bit; H.264 a little better.
						q := 36 - 4*px/px720p + noise(0.6)
						if s.codec == "h264" {
							q += 1.5
						}
						tr.PSNRDb, tr.PSNRP5Db, tr.SSIM = ptr(round(q, 2)), ptr(round(q-2.5, 2)), ptr(round(0.97-0.03*px/px720p+noise(0.004), 4))
						tr.QualityFrames = 15
						tr.PSNRDbCI = &[2]float64{round(q-0.4, 2), round(q+0.4, 2)}
						tr.SSIMCI = &[2]float64{round(*tr.SSIM-0.002, 4), round(*tr.SSIM+0.002, 4)}
					}
					tr.Processes = map[string]results.ProcessStats{
						results.ProcessBrowser:   {CPUPct: round(cpuBrowser+noise(2), 1), CPUPeakPct: round(cpuBrowser*1.2, 1), PeakRSSBytes: int64(380e6 + 120e6*px/px720p), Samples: 5, Source: "proc"},
						results.ProcessSignaling: {CPUPct: round(0.04*rng.Float64(), 2), CPUPeakPct: 0.1, PeakRSSBytes: 14 << 20, Samples: 5, Source: "proc"},
					}
					if s.kind == results.KindCameraToBrowser {
						tr.Processes[results.ProcessCamera] = results.ProcessStats{CPUPct: round(cpuSender+noise(3), 1), CPUPeakPct: round(cpuSender*1.1, 1), PeakRSSBytes: int64(40e6 + 60e6*px/px720p), Samples: 5, Source: "proc"}
					}
				}
				now = now.Add(9 * time.Second)
				tr.End = now
				require.NoError(t, results.AppendTrial(trialsPath, tr))
				index++
			}
		}
	}

	for _, load := range []struct {
		participants int
		rate         float64
		cpu          float64
		rssMiB       float64
	}{
		{2, 1, 0.02, 12}, {50, 1, 0.35, 19}, {500, 1, 3.1, 58}, {50, 0, 0.0, 18},
	} {
		tr := results.Trial{
			Index: index, Kind: results.KindSignalingLoad,
			Name:   fmt.Sprintf("signaling-load %d participants %g/s #1", load.participants, load.rate),
			Params: results.Params{Participants: load.participants, SignalRate: load.rate, Repeat: 1},
			OK:     true, WarmupS: 2, MeasureS: 5, Start: now,
		}
		sent := int64(float64(load.participants) * load.rate * 5)
		tr.Signaling = &results.SignalingLoad{
			Connections: load.participants, Rooms: (load.participants + 1) / 2,
			MessagesSent: sent, MessagesDelivered: sent, MessagesPerSecond: float64(sent) / 5,
			SignalBytes: 1000, ConnectMs: round(8*float64(load.participants)+noise(5)+20, 0),
		}
		if load.rate > 0 {
			tr.Signaling.RelayLatencyP50Ms, tr.Signaling.RelayLatencyP95Ms = round(0.4+noise(0.1), 2), round(1.1+noise(0.2), 2)
		}
		tr.Processes = map[string]results.ProcessStats{
			results.ProcessSignaling: {CPUPct: load.cpu, CPUPeakPct: load.cpu * 2, PeakRSSBytes: int64(load.rssMiB * (1 << 20)), Samples: 5, Source: "proc"},
		}
		for sec := range 7 {
			p := results.NewSample(index, results.ProcessSignaling)
			p.T, p.Time, p.Measuring = float64(sec+1), now.Add(time.Duration(sec+1)*time.Second), sec >= 2
			p.CPUPct, p.RSSBytes = round(load.cpu+noise(load.cpu*0.2), 2), load.rssMiB*(1<<20)
			require.NoError(t, sw.Write(p))
			l := results.NewSample(index, results.ProcessLoad)
			l.T, l.Time, l.Measuring = p.T, p.Time, p.Measuring
			l.MessagesPerSecond = float64(load.participants) * load.rate
			require.NoError(t, sw.Write(l))
		}
		now = now.Add(9 * time.Second)
		tr.End = now
		require.NoError(t, results.AppendTrial(trialsPath, tr))
		index++
	}
	require.NoError(t, sw.Close())
	env.EndTime = now
	require.NoError(t, results.WriteEnvironment(filepath.Join(fixtureDir, results.FileEnvironment), env))
	require.NoError(t, os.WriteFile(filepath.Join(fixtureDir, results.FileLog), []byte(
		"time=2026-11-25T22:00:00.000Z level=INFO msg=\"fixture run folder, written by TestWriteFixture\"\n"), 0o644))
}

func senderKind(k results.Kind) string {
	if k == results.KindBrowserToBrowser {
		return results.SenderChromium
	}
	return results.SenderEchtzeit
}

func meanP5(xs []float64) (float64, float64) {
	m, _ := mean(xs)
	return m, pct(xs, 5)
}

func pct(xs []float64, p float64) float64 {
	v, err := stats.Percentile(xs, p)
	if err != nil {
		return math.NaN()
	}
	return v
}
