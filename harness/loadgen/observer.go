package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"syscall"
	"time"

	"echtzeit/harness/probe"
)

// Observation is one reading of a process's counters.
type Observation struct {
	CPUSeconds float64
	RSSBytes   int64
}

// Observer reads the server's counters at the phase boundaries.
type Observer interface {
	Observe(ctx context.Context) (Observation, error)
}

// ProcObserver reads local processes' /proc/PID/stat (CPU in clock ticks of
// 10 ms, RSS in pages). With several PIDs (the nodes of a local cluster) it
// reports their sum.
type ProcObserver struct {
	PIDs []int
	Proc probe.Proc
}

// NewProcObserver observes the local processes pids, summed.
func NewProcObserver(pids ...int) *ProcObserver {
	return &ProcObserver{PIDs: pids, Proc: probe.NewProc()}
}

// Observe implements Observer.
func (o *ProcObserver) Observe(context.Context) (Observation, error) {
	var sum Observation
	for _, pid := range o.PIDs {
		st, err := o.Proc.Stat(pid)
		if err != nil {
			return Observation{}, fmt.Errorf("server process %d: %w", pid, err)
		}
		sum.CPUSeconds += float64(st.Ticks) / probe.ClockTicks
		sum.RSSBytes += st.RSSPages * o.Proc.PageSize
	}
	return sum, nil
}

// MetricsObserver reads process_cpu_seconds_total and
// process_resident_memory_bytes from a Prometheus /metrics endpoint (a remote
// server's; the scrape itself costs that server a little CPU).
type MetricsObserver struct {
	URL    string
	Client *http.Client
}

// Observe implements Observer.
func (o *MetricsObserver) Observe(ctx context.Context) (Observation, error) {
	hc := o.Client
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	m, err := probe.Scrape(ctx, hc, o.URL)
	if err != nil {
		return Observation{}, err
	}
	cpu, ok := m[probe.MetricCPUSeconds]
	if !ok {
		return Observation{}, fmt.Errorf("%s has no %s", o.URL, probe.MetricCPUSeconds)
	}
	return Observation{CPUSeconds: cpu, RSSBytes: int64(m[probe.MetricRSSBytes])}, nil
}

// selfObservation reads this process's CPU (getrusage, microseconds) and
// peak RSS.
func selfObservation() Observation {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return Observation{}
	}
	cpu := float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	return Observation{CPUSeconds: cpu, RSSBytes: int64(ru.Maxrss) * 1024}
}
