package forwarder

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Commands the forwarder process reads, one per line, after its Config.
const (
	// CmdStartSchedule starts the held schedules now.
	CmdStartSchedule = "start-schedule"
)

// ready is the forwarder process's first output line.
type ready struct {
	Ready bool `json:"ready"`
	PID   int  `json:"pid,omitempty"`
	// Start is the wall-clock time of the link clock's zero (Unix ns).
	Start int64 `json:"startUnixNano"`
	// Scheduling says how the forwarder's threads are scheduled.
	Scheduling string `json:"scheduling"`
}

// Serve is the body of the forwarder process: it reads a Config (one JSON
// object) from in, opens the devices, writes {"ready":true} to out, then a
// Report (one JSON line) per interval, and runs the commands it reads from
// in. When in ends it writes a last Report and returns; when ctx ends it
// returns at once (the goroutine that reads in stays blocked until in ends,
// which for a process's stdin is its exit).
func Serve(ctx context.Context, in io.Reader, out io.Writer, pid int) error {
	br := bufio.NewReader(in)
	dec := json.NewDecoder(br)
	var cfg Config
	if err := dec.Decode(&cfg); err != nil {
		return fmt.Errorf("read forwarder config: %w", err)
	}
	// One P: the reader and pipe goroutines hand packets over without
	// waking another thread (the forwarder needs far less than a core).
	runtime.GOMAXPROCS(1)
	sched := "normal"
	if !cfg.NormalPriority {
		var err error
		if sched, err = raisePriority(); err != nil {
			sched += " (" + err.Error() + ")"
		}
	}
	f, err := Open(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex // one writer of out at a time
	enc := json.NewEncoder(out)
	write := func(v any) {
		mu.Lock()
		defer mu.Unlock()
		if err := enc.Encode(v); err != nil {
			cancel() // nobody reads us any more
		}
	}
	write(ready{Ready: true, PID: pid, Start: f.start.UnixNano(), Scheduling: sched})

	go func() {
		defer cancel()
		sc := bufio.NewScanner(io.MultiReader(dec.Buffered(), br))
		for sc.Scan() {
			switch strings.TrimSpace(sc.Text()) {
			case CmdStartSchedule:
				f.StartSchedule(ctx)
			}
		}
		if ctx.Err() == nil {
			write(f.Report(ctx))
		}
	}()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(f.cfg.StatsInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				r := f.Report(ctx)
				if ctx.Err() != nil {
					return
				}
				write(r)
			}
		}
	}()
	err = f.Run(ctx)
	wg.Wait()
	return err
}
