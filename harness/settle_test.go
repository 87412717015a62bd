package harness

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"echtzeit/harness/probe"
)

// readings returns a read func that gives the CPU times in turn (the last
// again after the end) and err from call failAt on (0: never).
func readings(times []probe.SystemCPU, failAt int) func() (probe.SystemCPU, error) {
	n := 0
	return func() (probe.SystemCPU, error) {
		n++
		if failAt > 0 && n >= failAt {
			return probe.SystemCPU{}, errors.New("no /proc/stat")
		}
		return times[min(n-1, len(times)-1)], nil
	}
}

func TestSettle(t *testing.T) {
	busyHalf := []probe.SystemCPU{{Busy: 100, Total: 1000}, {Busy: 150, Total: 1100}}
	tests := []struct {
		name     string
		read     func() (probe.SystemCPU, error)
		cores    int
		wantBusy float64
	}{
		{"half of the time busy on 2 cores", readings(busyHalf, 0), 2, 1},
		{"idle", readings([]probe.SystemCPU{{Busy: 100, Total: 1000}, {Busy: 100, Total: 1200}}, 0), 4, 0},
		{"no CPU time before", readings(busyHalf, 1), 2, -1},
		{"no CPU time after", readings(busyHalf, 2), 2, -1},
		{"no time passed", readings([]probe.SystemCPU{{Busy: 100, Total: 1000}}, 0), 2, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settle(context.Background(), time.Millisecond, tt.read, tt.cores)
			assert.InDelta(t, tt.wantBusy, s.busy, 1e-9)
			assert.GreaterOrEqual(t, s.waited, time.Millisecond, "it waits the settle")
		})
	}
}

func TestSettleEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan settling, 1)
	go func() { done <- settle(ctx, time.Hour, readings([]probe.SystemCPU{{Busy: 1, Total: 2}}, 0), 2) }()
	select {
	case s := <-done:
		assert.Less(t, s.waited, time.Hour)
	case <-time.After(time.Minute):
		t.Fatal("settle did not end with its context")
	}
}
