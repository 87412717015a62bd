package probe

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	"echtzeit/harness/results"
)

// ClockTicks is Linux's USER_HZ (the unit of /proc/PID/stat times).
const ClockTicks = 100

// Target is one process to measure.
type Target struct {
	// Name is the process's role (results.ProcessCamera, ...).
	Name string
	// PID is a local process; with Tree its descendants count too.
	PID  int
	Tree bool
	// MetricsURL, when set, measures a remote process through its /metrics
	// instead of /proc.
	MetricsURL string
}

// Point is one reading of one target.
type Point struct {
	Name string
	// CPUPct is since the previous reading (NaN for the first).
	CPUPct   float64
	RSSBytes int64
	Err      error
}

type reading struct {
	at         time.Time
	cpuSeconds float64
	rss        int64
}

type target struct {
	Target
	last, windowStart *reading
	peakCPU           float64
	peakRSS           int64
	n                 int
}

// Tracker samples a set of targets and summarises them over a measurement
// window. It is used by one goroutine.
type Tracker struct {
	proc      Proc
	client    *http.Client
	targets   []*target
	measuring bool
}

// NewTracker returns a tracker reading proc and scraping with client.
func NewTracker(proc Proc, client *http.Client) *Tracker {
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Second}
	}
	return &Tracker{proc: proc, client: client}
}

// Add starts measuring t.
func (tr *Tracker) Add(t Target) { tr.targets = append(tr.targets, &target{Target: t}) }

// StartWindow begins the measurement window: later readings count towards Stats.
func (tr *Tracker) StartWindow() {
	tr.measuring = true
	for _, t := range tr.targets {
		t.windowStart = t.last
		t.peakCPU, t.peakRSS, t.n = 0, 0, 0
	}
}

// Sample reads every target once.
func (tr *Tracker) Sample(ctx context.Context, now time.Time) []Point {
	var all map[int]ProcStat
	var allErr error
	points := make([]Point, 0, len(tr.targets))
	for _, t := range tr.targets {
		var r reading
		var err error
		switch {
		case t.MetricsURL != "":
			r, err = tr.readMetrics(ctx, t.MetricsURL)
		case t.Tree:
			if all == nil && allErr == nil {
				all, allErr = tr.proc.All()
			}
			if allErr != nil {
				err = allErr
				break
			}
			var u Usage
			u, err = tr.proc.TreeUsage(all, t.PID)
			r = reading{cpuSeconds: float64(u.Ticks) / ClockTicks, rss: u.RSSBytes}
		default:
			var st ProcStat
			st, err = tr.proc.Stat(t.PID)
			r = reading{cpuSeconds: float64(st.Ticks) / ClockTicks, rss: st.RSSPages * tr.proc.PageSize}
		}
		p := Point{Name: t.Name, CPUPct: math.NaN(), Err: err}
		if err == nil {
			r.at = now
			if t.last != nil {
				p.CPUPct = CPUPercent(*t.last, r)
			}
			p.RSSBytes = r.rss
			t.last = &r
			if tr.measuring {
				if t.windowStart == nil {
					t.windowStart = &r
				}
				if !math.IsNaN(p.CPUPct) && p.CPUPct > t.peakCPU {
					t.peakCPU = p.CPUPct
				}
				if r.rss > t.peakRSS {
					t.peakRSS = r.rss
				}
				t.n++
			}
		}
		points = append(points, p)
	}
	return points
}

func (tr *Tracker) readMetrics(ctx context.Context, url string) (reading, error) {
	m, err := Scrape(ctx, tr.client, url)
	if err != nil {
		return reading{}, err
	}
	cpu, ok := m[MetricCPUSeconds]
	if !ok {
		return reading{}, fmt.Errorf("%s has no %s", url, MetricCPUSeconds)
	}
	return reading{cpuSeconds: cpu, rss: int64(m[MetricRSSBytes])}, nil
}

// CPUPercent is the CPU between two readings in percent of one core, 0 when the
// clock did not advance or the counter went back.
func CPUPercent(prev, cur reading) float64 {
	wall := cur.at.Sub(prev.at).Seconds()
	if wall <= 0 || cur.cpuSeconds < prev.cpuSeconds {
		return 0
	}
	return (cur.cpuSeconds - prev.cpuSeconds) / wall * 100
}

// Stats summarises each target over the measurement window (mean CPU from the
// first to the last reading in it, peaks, peak RSS). Targets with no reading
// in the window are left out.
func (tr *Tracker) Stats() map[string]results.ProcessStats {
	out := make(map[string]results.ProcessStats)
	for _, t := range tr.targets {
		if t.n == 0 || t.windowStart == nil || t.last == nil {
			continue
		}
		src := "proc"
		if t.MetricsURL != "" {
			src = "metrics"
		}
		out[t.Name] = results.ProcessStats{
			CPUPct:       CPUPercent(*t.windowStart, *t.last),
			CPUPeakPct:   t.peakCPU,
			PeakRSSBytes: t.peakRSS,
			Samples:      t.n,
			Source:       src,
		}
	}
	return out
}
