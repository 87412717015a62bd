package reports

import (
	"gonum.org/v1/plot"

	"echtzeit/harness/results"
)

// PlotViewers is the fan-out plot: camera CPU and uplink against viewers.
// Unlike PlotFiles it is drawn only for runs with several viewers.
const PlotViewers = "viewers.png"

// viewersPlot draws the camera's CPU and its uplink bit rate against the
// number of viewers, one series per network and format: where the CPU stays
// flat (one encoder) and where the uplink, which grows with every viewer,
// stops fitting the access link.
func viewersPlot(r *run) (plotResult, error) {
	res := plotResult{file: PlotViewers, alt: "Camera CPU and uplink bit rate against the number of viewers"}
	gs := fanOutGroups(r)
	if len(gs) == 0 {
		return res.skip("no camera trial with more than one viewer"), nil
	}
	cpu := newPlot("One camera, many viewers: CPU (one encoder per format)", "viewers", "camera CPU (%, 100 % = one core)")
	up := newPlot("", "viewers", "uplink (kbit/s, sum over viewers)")
	maxCPU, maxUp, maxX := 0.0, 0.0, 1.0
	for i, g := range gs {
		var cpuPts, upPts []xy
		for _, t := range okTrials(g.trials) {
			x := float64(viewersOf(t))
			maxX = max(maxX, x)
			if v, ok := cpuOf(results.ProcessCamera)(t); ok {
				cpuPts = append(cpuPts, xy{x, v})
				maxCPU = max(maxCPU, v)
			}
			if v, ok := uplinkKbps(t); ok {
				upPts = append(upPts, xy{x, v})
				maxUp = max(maxUp, v)
			}
		}
		if err := addSeries(cpu, i, series{label: g.key, means: byX(cpuPts, mean), points: cpuPts}); err != nil {
			return res, err
		}
		if err := addSeries(up, i, series{label: g.key, means: byX(upPts, mean), points: upPts}); err != nil {
			return res, err
		}
	}
	for _, p := range []*plot.Plot{cpu, up} {
		p.X.Tick.Marker = cleanTicks{niceTicks{}}
		p.X.Min, p.X.Max = 0, maxX+0.5
	}
	headroom(cpu, maxCPU, len(gs))
	headroom(up, maxUp, len(gs))
	var err error
	res.png, err = encodeStacked(cpu, up)
	return res, err
}
