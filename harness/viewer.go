package harness

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"echtzeit/harness/browser"
	"echtzeit/harness/phase"
	"echtzeit/harness/results"
	"echtzeit/harness/stats"
)

// viewerSeries turns the viewer page's snapshots into samples.csv rows and the
// trial's receiver figures (DESIGN.md, window.echtzeit.snapshot()).
type viewerSeries struct {
	trial   int
	process string    // Sample.Process of its rows (results.ViewerProcess)
	start   time.Time // the trial's start, for Sample.T

	prev        *browser.Snapshot
	windowStart *browser.Snapshot // the last snapshot before the measurement window
	last        *browser.Snapshot
	fps         []float64 // one value per interval inside the window
	jitter      []float64
	latency     []float64 // frame-code latencies of frames decoded inside the window
	psnr, ssim  []float64 // picture quality of the frames sampled inside the window
	rtt         []float64 // candidate-pair round-trip times inside the window
	measuring   bool
	// frameCode is true when the sender draws the frame code: only then are
	// the page's latency values meaningful.
	frameCode bool
}

// maxLatencyMs bounds plausible frame-code latencies; larger (or negative)
// values come from clocks that disagree or codes misread, and are dropped.
const maxLatencyMs = 60_000

func newViewerSeries(trial int, start time.Time) *viewerSeries {
	return &viewerSeries{trial: trial, start: start, process: results.ProcessViewer}
}

// startWindow begins the measurement window at the last snapshot read.
func (v *viewerSeries) startWindow() {
	v.measuring = true
	v.windowStart = v.prev
}

// add records one snapshot read at now and returns its samples.csv row.
func (v *viewerSeries) add(s browser.Snapshot, now time.Time) results.Sample {
	row := results.NewSample(v.trial, v.process)
	row.T = now.Sub(v.start).Seconds()
	row.Time = now
	row.Measuring = v.measuring
	// The page's stats can lag behind the first frame: when the window began
	// before the first inbound stats (or in another session), it starts at the
	// first snapshot that has them.
	if v.measuring && s.Inbound != nil && (v.windowStart == nil || v.windowStart.Inbound == nil || v.windowStart.Session != s.Session) {
		v.windowStart = &s
	}
	if in := s.Inbound; in != nil {
		row.Width, row.Height = int(in.FrameWidth), int(in.FrameHeight)
		row.FramesDecoded, row.FramesDropped = in.FramesDecoded, in.FramesDropped
		row.JitterMs = in.Jitter * 1000
		if in.RTTMs > 0 {
			row.RTTMs = in.RTTMs
			if v.measuring {
				v.rtt = append(v.rtt, in.RTTMs)
			}
		}
		if v.prev != nil && v.prev.Inbound != nil && v.prev.Session == s.Session {
			p := v.prev.Inbound
			if fps, ok := stats.Rate(counter(p.Timestamp, p.FramesDecoded), counter(in.Timestamp, in.FramesDecoded)); ok {
				row.FPS = fps
				if bps, ok := stats.Rate(counter(p.Timestamp, p.BytesReceived), counter(in.Timestamp, in.BytesReceived)); ok {
					row.BitrateKbps = bps * 8 / 1000
				}
				row.PacketLossPct = lossPct(p, in)
				if v.measuring {
					v.fps = append(v.fps, row.FPS)
				}
			}
		}
		if v.measuring {
			v.jitter = append(v.jitter, row.JitterMs)
		}
	}
	var newLat []float64
	if v.frameCode {
		for _, l := range newLatencies(v.prev, s) {
			if l >= 0 && l <= maxLatencyMs {
				newLat = append(newLat, l)
			}
		}
	}
	if len(newLat) > 0 {
		if med, err := stats.Percentile(newLat, 50); err == nil {
			row.LatencyMs = med
		}
		if v.measuring {
			v.latency = append(v.latency, newLat...)
		}
	}
	if v.measuring {
		p, q := newQuality(v.prev, s)
		v.psnr, v.ssim = append(v.psnr, p...), append(v.ssim, q...)
	}
	v.prev = &s
	v.last = &s
	return row
}

// newLatencies returns the frame-code latencies the page added since prev: the
// page keeps up to 300 recent values, so the new ones are the last
// (decoded − prev.decoded) of them.
func newLatencies(prev *browser.Snapshot, cur browser.Snapshot) []float64 {
	vals := cur.FrameCode.LatencyMs
	n := cur.FrameCode.Decoded
	if prev != nil && prev.Session == cur.Session && cur.FrameCode.Decoded >= prev.FrameCode.Decoded {
		n = cur.FrameCode.Decoded - prev.FrameCode.Decoded
	}
	if n > len(vals) {
		n = len(vals)
	}
	if n <= 0 {
		return nil
	}
	return vals[len(vals)-n:]
}

// newQuality returns the PSNR and SSIM values the page added since prev:
// the last (frames − prev.frames) of its recent values.
func newQuality(prev *browser.Snapshot, cur browser.Snapshot) (psnr, ssim []float64) {
	q := cur.Quality
	if q == nil {
		return nil, nil
	}
	n := q.Frames
	if prev != nil && prev.Quality != nil && prev.Session == cur.Session && q.Frames >= prev.Quality.Frames {
		n = q.Frames - prev.Quality.Frames
	}
	n = min(n, len(q.PSNRDb), len(q.SSIM))
	if n <= 0 {
		return nil, nil
	}
	return q.PSNRDb[len(q.PSNRDb)-n:], q.SSIM[len(q.SSIM)-n:]
}

// counter is one getStats() counter reading at its report's timestamp (Unix ms).
func counter(timestampMs, value float64) stats.Sample {
	return stats.Sample{Time: time.UnixMicro(int64(timestampMs * 1000)), Value: value}
}

func lossPct(p, in *browser.Inbound) float64 {
	lost := in.PacketsLost - p.PacketsLost
	recv := in.PacketsReceived - p.PacketsReceived
	if lost < 0 || recv < 0 || lost+recv == 0 {
		return 0
	}
	return lost / (lost + recv) * 100
}

// fill writes the receiver figures of the measurement window into tr.
func (v *viewerSeries) fill(tr *results.Measured) {
	if v.last == nil {
		return
	}
	if v.last.Inbound != nil {
		in := v.last.Inbound
		tr.ReceivedWidth, tr.ReceivedHeight = int(in.FrameWidth), int(in.FrameHeight)
		tr.Codec = in.Codec
		tr.DecoderImplementation = in.DecoderImplementation
		if ws := v.windowStart; ws != nil && ws.Inbound != nil && ws.Session == v.last.Session {
			w := ws.Inbound
			if fps, ok := stats.Rate(counter(w.Timestamp, w.FramesDecoded), counter(in.Timestamp, in.FramesDecoded)); ok {
				tr.FramesDecoded = int64(in.FramesDecoded - w.FramesDecoded)
				tr.FramesDropped = int64(in.FramesDropped - w.FramesDropped)
				tr.FreezeCount = int64(in.FreezeCount - w.FreezeCount)
				tr.FreezeDurationMs = (in.TotalFreezesDuration - w.TotalFreezesDuration) * 1000
				tr.FPSMean = fps
				if bps, ok := stats.Rate(counter(w.Timestamp, w.BytesReceived), counter(in.Timestamp, in.BytesReceived)); ok {
					tr.BitrateKbps = bps * 8 / 1000
				}
				tr.PacketLossPct = lossPct(w, in)
			}
			tr.Delays = receiverDelays(w, in)
		}
	}
	if p5, err := stats.Percentile(v.fps, 5); err == nil {
		tr.FPSP5 = p5
	}
	if tr.FPSMean == 0 {
		if m, err := stats.Mean(v.fps); err == nil {
			tr.FPSMean = m
		}
	}
	if m, err := stats.Mean(v.jitter); err == nil {
		tr.JitterMs = m
	}
	if m, err := stats.Percentile(v.rtt, 50); err == nil {
		tr.RTTMs = &m
	}
	if len(v.latency) > 0 {
		p50, _ := stats.Percentile(v.latency, 50)
		p95, _ := stats.Percentile(v.latency, 95)
		mean, _ := stats.Mean(v.latency)
		tr.LatencyP50Ms, tr.LatencyP95Ms, tr.LatencyMeanMs = &p50, &p95, &mean
		tr.LatencySamples = len(v.latency)
	}
	if len(v.psnr) > 0 {
		mean, _ := stats.Mean(v.psnr)
		p5, _ := stats.Percentile(v.psnr, 5)
		ssim, _ := stats.Mean(v.ssim)
		tr.PSNRDb, tr.PSNRP5Db, tr.SSIM = &mean, &p5, &ssim
		tr.QualityFrames = len(v.psnr)
		tr.PSNRDbCI, tr.SSIMCI = seriesCI(v.psnr), seriesCI(v.ssim)
	}
}

// seriesCI is the 95 % interval of the mean of a series of (correlated)
// values: a moving-block bootstrap; nil with fewer than two values.
func seriesCI(xs []float64) *[2]float64 {
	iv, err := stats.BootstrapMean(xs, stats.BootstrapOptions{Block: stats.SeriesBlock(len(xs))})
	if err != nil || !iv.HasCI() {
		return nil
	}
	return &[2]float64{iv.Lo, iv.Hi}
}

// receiverDelays are the receiver's parts of the latency between two
// readings of its inbound stats (means per frame over the window, ms).
func receiverDelays(a, b *browser.Inbound) *results.Delays {
	d := &results.Delays{
		AssemblyMs:            meanMs(a.TotalAssemblyTime, a.FramesAssembledFromMultiplePackets, b.TotalAssemblyTime, b.FramesAssembledFromMultiplePackets),
		JitterBufferMs:        meanMs(a.JitterBufferDelay, a.JitterBufferEmittedCount, b.JitterBufferDelay, b.JitterBufferEmittedCount),
		JitterBufferTargetMs:  meanMs(a.JitterBufferTargetDelay, a.JitterBufferEmittedCount, b.JitterBufferTargetDelay, b.JitterBufferEmittedCount),
		JitterBufferMinimumMs: meanMs(a.JitterBufferMinimumDelay, a.JitterBufferEmittedCount, b.JitterBufferMinimumDelay, b.JitterBufferEmittedCount),
		DecodeMs:              meanMs(a.TotalDecodeTime, a.FramesDecoded, b.TotalDecodeTime, b.FramesDecoded),
		ProcessingMs:          meanMs(a.TotalProcessingDelay, a.FramesDecoded, b.TotalProcessingDelay, b.FramesDecoded),
	}
	if b.RTTMs > 0 {
		half := b.RTTMs / 2
		d.NetworkMs = &half
	}
	if *d == (results.Delays{}) {
		return nil
	}
	return d
}

// qualityEvery: the viewer page compares every qualityEvery-th received
// frame with its reference (3 a second at 30 fps).
const qualityEvery = 10

// hasFrameCode reports whether a source draws the synthetic frame code (and
// pattern): the camera's synthetic source and the page's canvas source.
func hasFrameCode(source string) bool {
	return source == "synthetic" || source == results.SourceCanvas
}

// viewer is one viewer page of a media trial and the series of its snapshots.
type viewer struct {
	index    int
	br       *browser.Browser
	page     *browser.Page
	navStart time.Time        // the harness's clock when navigation began
	setup    browser.Snapshot // the snapshot with the session's setup phases
	series   *viewerSeries
}

// openViewer opens viewer page i in br and navigates it to the trial's room;
// the first one after the scenario's settle, which goes into m. It returns
// the viewer (to be closed) also when the navigation failed.
func (t *mediaTrial) openViewer(ctx context.Context, br *browser.Browser, i int, m *results.Measured) (*viewer, error) {
	page, err := br.NewPage(ctx)
	if err != nil {
		return nil, t.r.browserError(br, "open viewer page", err)
	}
	if i == 0 {
		t.st.set("letting the new tab settle")
		s := t.r.settleMachine(ctx)
		waited := float64(s.waited.Microseconds()) / 1000
		m.SettleMs = &waited
		if busy := s.busy; busy >= 0 {
			m.SettleBusyCores = &busy
		}
	}
	v := &viewer{index: i, br: br, page: page, series: newViewerSeries(t.sp.Index, t.start)}
	v.series.process = results.ViewerProcess(i)
	v.series.frameCode = hasFrameCode(t.sp.Params.Source)
	q := t.sender.ViewerQuery()
	if v.series.frameCode {
		// Compare every qualityEvery-th frame with the pattern it shows.
		if q == nil {
			q = url.Values{}
		}
		q.Set("quality", strconv.Itoa(qualityEvery))
	}
	t.probes.Sample(ctx, t.r.now()) // CPU baseline
	v.navStart = t.r.now()
	if err := page.Navigate(ctx, t.pageURL(q)); err != nil {
		return v, t.r.browserError(br, "load viewer page", err)
	}
	return v, nil
}

// waitFirstFrame waits until the page decoded its first frame; a page error
// is the failure's reason.
func (v *viewer) waitFirstFrame(ctx context.Context, t *mediaTrial) error {
	last, err := t.waitSnapshot(ctx, v.page, func(s browser.Snapshot) bool { return s.Phases.Get(phase.FirstFrame) != nil })
	v.setup = last
	if err != nil && ctx.Err() == nil && last.Error != nil {
		return fmt.Errorf("viewer page error %s: %s", last.Error.Code, last.Error.Message)
	}
	return err
}

// stats returns the viewer's figures over the measurement window.
func (v *viewer) stats() results.ViewerStats {
	var m results.Measured
	v.series.fill(&m)
	setup := setupFrom(v.setup.Phases, v.navStart).harnessMs
	pair, _ := v.ice()
	return results.ViewerStats{
		Index: v.index, SetupMs: setup,
		FPSMean: m.FPSMean, FPSP5: m.FPSP5, FramesDecoded: m.FramesDecoded, FreezeCount: m.FreezeCount,
		BitrateKbps: m.BitrateKbps, PacketLossPct: m.PacketLossPct,
		LatencyP50Ms: m.LatencyP50Ms, LatencyP95Ms: m.LatencyP95Ms,
		ReceivedWidth: m.ReceivedWidth, ReceivedHeight: m.ReceivedHeight,
		CandidatePair: pair,
	}
}

// ice returns the selected candidate pair and the ICE gathering time of the
// last snapshot read (nil when the page had none).
func (v *viewer) ice() (*results.CandidatePair, *float64) {
	s := v.series.last
	if s == nil || s.ICE == nil {
		return nil, nil
	}
	var pair *results.CandidatePair
	if c := s.ICE.CandidatePair; c != nil {
		pair = &results.CandidatePair{LocalType: c.LocalType, RemoteType: c.RemoteType, Protocol: c.Protocol, RelayProtocol: c.RelayProtocol}
	}
	return pair, s.ICE.GatheringMs
}

// fillSetup writes the setup figures of the viewer's setup snapshot into m.
func (v *viewer) fillSetup(m *results.Measured) {
	st := setupFrom(v.setup.Phases, v.navStart)
	m.Phases, m.SetupMs, m.SetupPageMs, m.NavigationDelayMs = st.phases, st.harnessMs, st.pageMs, st.navDelayMs
}

// setupTimes are a session's setup figures on both clocks.
type setupTimes struct {
	// phases are ms from the page's navigation (performance.timeOrigin).
	phases phase.Times
	// pageMs is the first frame on the page's clock, harnessMs on the
	// harness's (from navStart); navDelayMs the page's navigation start
	// after navStart. nil when not reached or not known.
	pageMs, harnessMs, navDelayMs *float64
}

// setupFrom converts the page's Unix-ms phases to ms from its navigation and
// the first frame to both clocks. Without the page's navigation time the
// harness's navStart is the origin of the phases, and there is no
// page-clock figure.
func setupFrom(p phase.Times, navStart time.Time) setupTimes {
	start := float64(navStart.UnixNano()) / 1e6
	var st setupTimes
	origin := start
	if nav := p.Get(phase.Navigation); nav != nil {
		origin = *nav
		d := *nav - start
		st.navDelayMs = &d
	}
	st.phases = p.Shift(origin)
	if ff := p.Get(phase.FirstFrame); ff != nil {
		h := *ff - start
		st.harnessMs = &h
		if st.navDelayMs != nil {
			st.pageMs = st.phases.Get(phase.FirstFrame)
		}
	}
	return st
}
