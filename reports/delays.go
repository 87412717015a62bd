package reports

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"echtzeit/harness/results"
)

// PlotLatencyBreakdown is the stacked bar chart of the latency's parts.
const PlotLatencyBreakdown = "latency-breakdown.png"

// latencyPart is one part of the end-to-end latency, in the order a frame
// goes through them.
type latencyPart struct {
	name string
	of   func(t results.Trial) (float64, bool)
}

// latencyParts split a trial's mean latency: the sender's encoding and
// sending, the network (half the RTT), the receiver's jitter buffer (first
// packet → out to the decoder, assembly included) and decoding (→ decoded:
// processing delay − jitter buffer delay), and the rest (decoded → shown and
// read: the compositor, the next display refresh, the frame-code reader).
// Each is a mean per frame over the measurement window.
func latencyParts() []latencyPart {
	d := func(f func(*results.Delays) *float64) func(results.Trial) (float64, bool) {
		return func(t results.Trial) (float64, bool) {
			if t.Delays == nil {
				return 0, false
			}
			return deref(f(t.Delays))
		}
	}
	return []latencyPart{
		{"encode", d(func(d *results.Delays) *float64 { return d.EncodeMs })},
		{"send", d(func(d *results.Delays) *float64 { return d.SendMs })},
		{"network", d(func(d *results.Delays) *float64 { return d.NetworkMs })},
		{"jitter buffer", d(func(d *results.Delays) *float64 { return d.JitterBufferMs })},
		{"decode", decodePart},
		{"render and rest", restPart},
	}
}

// decodePart is the time from leaving the jitter buffer to decoded:
// processing delay − jitter-buffer delay, else the decoder's own time.
func decodePart(t results.Trial) (float64, bool) {
	d := t.Delays
	if d == nil {
		return 0, false
	}
	if d.ProcessingMs != nil && d.JitterBufferMs != nil {
		return math.Max(0, *d.ProcessingMs-*d.JitterBufferMs), true
	}
	return deref(d.DecodeMs)
}

// restPart is the mean latency less every measured part.
func restPart(t results.Trial) (float64, bool) {
	if t.LatencyMeanMs == nil || t.Delays == nil || latencyImplausible(t) {
		return 0, false
	}
	rest := *t.LatencyMeanMs
	for _, p := range latencyParts()[:5] {
		if v, ok := p.of(t); ok {
			rest -= v
		}
	}
	return rest, true
}

func latencyMean(t results.Trial) (float64, bool) {
	if latencyImplausible(t) {
		return 0, false
	}
	return deref(t.LatencyMeanMs)
}

// delayGroups are the groups whose trials measured latency and its parts.
func delayGroups(media []results.Trial) []group {
	var out []group
	for _, g := range groups(media) {
		if len(values(g.ok(), restPart)) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// delaysSection breaks the latency into its parts per sender (codec) and
// resolution and explains the H.264–VP8 gap from them.
func delaysSection(r *run, media []results.Trial) []block {
	gs := delayGroups(media)
	if len(gs) == 0 {
		return nil
	}
	set := sendersOf(media)
	head := []string{"sender", "resolution", "n", "latency mean"}
	for _, p := range latencyParts() {
		head = append(head, p.name)
	}
	head = append(head, "jitter buffer target", "decode (decoder)")
	right := make([]bool, len(head))
	for i := 2; i < len(right); i++ {
		right[i] = true
	}
	var rows [][]string
	for _, g := range gs {
		ok := g.ok()
		row := []string{set.labels[g.sender], g.res.String(), plural(len(values(ok, restPart)), "repeat"), r.cell(ok, metric{trial: latencyMean})}
		for _, p := range latencyParts() {
			row = append(row, r.cell(ok, metric{trial: p.of, digits: 1}))
		}
		target := func(t results.Trial) (float64, bool) {
			if t.Delays == nil {
				return 0, false
			}
			return deref(t.Delays.JitterBufferTargetMs)
		}
		dec := func(t results.Trial) (float64, bool) {
			if t.Delays == nil {
				return 0, false
			}
			return deref(t.Delays.DecodeMs)
		}
		row = append(row, r.cell(ok, metric{trial: target, digits: 1}), r.cell(ok, metric{trial: dec, digits: 1}))
		rows = append(rows, row)
	}
	out := []block{
		heading{2, "Latency: where the milliseconds go"},
		para{"The mean end-to-end latency (frame code: capture → shown at the viewer) split into the mean time per frame of each part, " +
			"over the measurement window: encode and send from the sender (the camera's echtzeit_camera_encode_seconds and " +
			"echtzeit_camera_send_seconds, or the sender page's totalEncodeTime and totalPacketSendDelay), network (half the candidate pair's RTT), " +
			"jitter buffer (jitterBufferDelay / jitterBufferEmittedCount: a frame's first packet → out to the decoder, assembly included), " +
			"decode (totalProcessingDelay / framesDecoded − jitter buffer: → decoded), and the rest (decoded → shown and read: " +
			"compositing, the next display refresh, the page's frame-code reader; it is the mean less the measured parts). " +
			"\"Jitter buffer target\" is the delay the receiver aimed at (jitterBufferTargetDelay), \"decode (decoder)\" the decoder's own time (totalDecodeTime)."},
		table{head: head, rows: rows, right: right},
	}
	if gap := codecGap(gs, set); gap != "" {
		out = append(out, para{gap}, para{h264Note})
	}
	return out
}

// h264Note is why H.264 had more latency than VP8 in the camera and what
// the camera does about it (issue #13).
const h264Note = "Why H.264 lagged VP8 (measured before issue #13: p50 45–98 ms against 27–34 ms up to 720p): Chromium sizes its jitter buffer " +
	"from the spread of frame sizes and arrival delays; the camera's x264 has a one-second rate-control buffer (VBV), so a key frame " +
	"may carry up to a second of bits while the synthetic pattern's P-frames are small, where libvpx caps VP8's key frames at three " +
	"average frames; and x264 (veryfast) takes longer per 720p frame than libvpx at cpu-used −6. On the camera's side: --h264-vbv " +
	"shortens x264's buffer (more even frame sizes, but x264 then stays below the target bitrate), and --zero-playout-delay (the RTP " +
	"playout-delay extension, min = max = 0) makes Chromium show each frame as soon as it is decoded, for either codec: the jitter buffer's " +
	"part drops to about a millisecond. What is left is the encoder's speed and the receiver's decoding and rendering."

// codecGap explains the latency gap between H.264 and VP8 of the same sender
// kind at the same resolution by the parts that differ most.
func codecGap(gs []group, set senderSet) string {
	type key struct {
		kind   results.Kind
		source string
		res    resolution
	}
	byKey := map[key]map[string]group{}
	for _, g := range gs {
		k := key{g.sender.kind, g.sender.source, g.res}
		if byKey[k] == nil {
			byKey[k] = map[string]group{}
		}
		byKey[k][g.sender.codec.String()] = g
	}
	var parts []string
	for _, g := range gs {
		k := key{g.sender.kind, g.sender.source, g.res}
		vp8, h264 := byKey[k]["vp8"], byKey[k]["h264"]
		if g.sender.codec != "h264" || len(vp8.trials) == 0 || len(h264.trials) == 0 {
			continue
		}
		lv, ok1 := mean(values(vp8.ok(), latencyMean))
		lh, ok2 := mean(values(h264.ok(), latencyMean))
		if !ok1 || !ok2 {
			continue
		}
		type diff struct {
			name string
			d    float64
		}
		var ds []diff
		for _, p := range latencyParts() {
			a, okA := mean(values(vp8.ok(), p.of))
			b, okB := mean(values(h264.ok(), p.of))
			if okA && okB {
				ds = append(ds, diff{p.name, b - a})
			}
		}
		slices.SortFunc(ds, func(a, b diff) int { return -cmpFloat(math.Abs(a.d), math.Abs(b.d)) })
		var top []string
		for _, d := range ds[:min(3, len(ds))] {
			top = append(top, fmt.Sprintf("%s %+.0f ms", d.name, d.d))
		}
		who := strings.TrimSuffix(set.labels[g.sender], " H.264")
		parts = append(parts, fmt.Sprintf("%s at %s: H.264 %.0f ms vs VP8 %.0f ms (%+.0f ms), mostly %s",
			who, g.res, lh, lv, lh-lv, strings.Join(top, ", ")))
	}
	if len(parts) == 0 {
		return ""
	}
	return "H.264 against VP8 (mean latency, and the parts whose means differ most): " + strings.Join(parts, "; ") + "."
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// latencyBreakdownPlot stacks the mean of each part per sender and
// resolution.
func latencyBreakdownPlot(r *run) (plotResult, error) {
	res := plotResult{file: PlotLatencyBreakdown, alt: "End-to-end latency split into its parts per sender and resolution"}
	media := r.media()
	gs := delayGroups(media)
	if len(gs) == 0 {
		return res.skip("no successful media trial measured the latency's parts (it needs the frame code and getStats' delay counters)"), nil
	}
	set := sendersOf(media)
	names := make([]string, len(gs))
	for i, g := range gs {
		names[i] = set.labels[g.sender] + " " + g.res.String()
	}
	var parts []stackPart
	for _, part := range latencyParts() {
		vals := make([]float64, len(gs))
		for j, g := range gs {
			vals[j], _ = mean(values(g.ok(), part.of))
		}
		parts = append(parts, stackPart{part.name, vals})
	}
	png, err := stackedBars("Where the latency goes (mean per frame over the measurement window)",
		"capture → shown (ms)", names, parts, 0, "")
	res.png = png
	return res, err
}
