package reports

import (
	"fmt"

	"gonum.org/v1/plot"

	"echtzeit/harness/results"
)

// PlotQuality is PSNR and SSIM against resolution.
const PlotQuality = "quality-vs-resolution.png"

func psnrP5Of(t results.Trial) (float64, bool) { return deref(t.PSNRP5Db) }

// qualitySection is the picture quality per sender and resolution.
func qualitySection(r *run, media []results.Trial) []block {
	set := sendersOf(media)
	var rows [][]string
	for _, g := range groups(media) {
		ok := g.ok()
		if len(values(ok, psnrOf)) == 0 {
			continue
		}
		frames := 0
		for _, t := range ok {
			frames += t.QualityFrames
		}
		psnr, _ := r.summarize(ok, mediaMetric("psnr"))
		ssim, _ := r.summarize(ok, mediaMetric("ssim"))
		p5, _ := mean(values(ok, psnrP5Of))
		rows = append(rows, []string{set.labels[g.sender], g.res.String(), plural(len(values(ok, psnrOf)), "repeat"),
			fmt.Sprintf("%d", frames), psnr.format(1), f1(p5), ssim.format(3)})
	}
	if len(rows) == 0 {
		return nil
	}
	return []block{
		heading{2, "Picture quality"},
		para{"Every 10th received frame is copied from the decoder (VideoFrame.copyTo) and compared on its luma with the frame the sender drew, " +
			"regenerated from the frame number its code carries (the synthetic pattern is a pure function of it; the canvas source draws the same). " +
			"PSNR over every pixel, SSIM over non-overlapping 8×8 windows (Wang et al. 2004), both without the frame code's area. " +
			"PSNR is capped at 100 dB (identical frames). PSNR p5 is the 5th percentile of a trial's frames (its worst), averaged over the repeats. " +
			"The camera's frames reach the encoder as drawn (studio range); the canvas source's pass through Chromium's RGB → YUV conversion, which makes them full range (the decoded frame's colorSpace says so), and the reference follows the received frame's range."},
		table{head: []string{"sender", "resolution", "n", "frames compared", "PSNR dB", "PSNR p5 dB", "SSIM"},
			rows: rows, right: []bool{false, false, true, true, true, true, true}},
	}
}

// mediaMetric returns the media metric with key.
func mediaMetric(key string) metric {
	for _, m := range mediaMetrics(nil) {
		if m.key == key {
			return m
		}
	}
	return metric{key: key}
}

// qualityPlot draws PSNR (top) and SSIM (bottom) against resolution.
func qualityPlot(r *run) (plotResult, error) {
	res := plotResult{file: PlotQuality, alt: "Picture quality (PSNR, SSIM) per resolution"}
	media := r.media()
	if len(values(okTrials(media), psnrOf)) == 0 {
		return res.skip("no successful media trial measured picture quality (it needs the synthetic or canvas source)"), nil
	}
	rs := resolutions(media)
	top := newPlot("Picture quality of the received frames (mean of the repeats)", "", "PSNR of the luma (dB)")
	bottom := newPlot("", "requested resolution (ordered by pixel count)", "SSIM (8×8 windows)")
	set := sendersOf(media)
	rows := 0
	maxPSNR := 0.0
	for _, p := range []*plot.Plot{top, bottom} {
		pos := categorical(p, rs)
		for i, s := range set.list {
			f := psnrOf
			if p == bottom {
				f = ssimOf
			}
			means, points := perResolution(okTrials(ofSender(media, s)), pos, offset(i, len(set.list)), f, mean)
			if len(means) == 0 {
				continue
			}
			if err := addSeries(p, i, series{label: set.labels[s], means: means, points: points}); err != nil {
				return res, err
			}
			if p == top {
				rows++
				for _, pt := range points {
					maxPSNR = max(maxPSNR, pt.y)
				}
			}
		}
	}
	// Quality differs by a few dB: the axes start near the data, not at 0.
	minPSNR, minSSIM := maxPSNR, 1.0
	for _, t := range okTrials(media) {
		if v, ok := psnrOf(t); ok {
			minPSNR = min(minPSNR, v)
		}
		if v, ok := ssimOf(t); ok {
			minSSIM = min(minSSIM, v)
		}
	}
	top.Y.Min = max(0, minPSNR-3)
	top.Y.Max = maxPSNR + (maxPSNR-top.Y.Min)*(0.15+0.1*float64(rows))
	bottom.Y.Min, bottom.Y.Max = max(0, minSSIM-0.02), 1.005
	bottom.Legend = plot.NewLegend() // the top panel's legend names the series
	png, err := encodeStacked(top, bottom)
	res.png = png
	return res, err
}
