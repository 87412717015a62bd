package forwarder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"echtzeit/harness/link"
	"echtzeit/harness/netns"
)

// Sizes of the forwarder's buffers.
const (
	// bufSize holds one packet of a TUN device with the default MTU (1500).
	bufSize = 2048
	// inQueue is how many read packets may wait for their pipe's goroutine.
	inQueue = 1024
	// drainBatch bounds how many waiting packets a pipe takes in one go
	// before it delivers what is due.
	drainBatch = 64
)

// Config is what the forwarder process reads first.
type Config struct {
	Links []LinkConfig `json:"links"`
	// StatsInterval is how often a Report is written (DefaultStatsInterval
	// when 0).
	StatsInterval time.Duration `json:"statsIntervalNs,omitempty"`
	// NormalPriority keeps the forwarder at the default scheduling instead
	// of SCHED_FIFO (or nice -10 where that is refused).
	NormalPriority bool `json:"normalPriority,omitempty"`
}

// DefaultStatsInterval is the Report interval unless the Config says.
const DefaultStatsInterval = time.Second

// LinkConfig is one access link: the TUN devices to create at its two ends
// and its profile.
type LinkConfig struct {
	Name string `json:"name"`
	// SideNS and CoreNS are the namespaces' paths (/run/netns/NAME).
	SideNS  string        `json:"sideNs"`
	SideTUN string        `json:"sideTun"`
	CoreNS  string        `json:"coreNs"`
	CoreTUN string        `json:"coreTun"`
	Profile *link.Profile `json:"profile"`
	// HoldSchedule keeps the profile's schedule from starting until
	// StartSchedule (the "start-schedule" command).
	HoldSchedule bool `json:"holdSchedule,omitempty"`
}

// Report is what the forwarder writes once per interval.
type Report struct {
	// UnixMs is the wall-clock time of the report.
	UnixMs int64 `json:"unixMs"`
	// T is the link clock: seconds since the forwarder opened its devices.
	T     float64      `json:"t"`
	Links []LinkReport `json:"links"`
}

// LinkReport is one link's state in a Report.
type LinkReport struct {
	Name string    `json:"name"`
	Up   DirReport `json:"up"`
	Down DirReport `json:"down"`
}

// DirReport is one direction's state in a Report.
type DirReport struct {
	// Stats are the pipe's counters since the start and its queue now.
	link.Stats
	// CapacityBps is the direction's average capacity since the previous
	// report; nil when it is unlimited.
	CapacityBps *float64 `json:"capacityBps,omitempty"`
	// ScheduleT is the seconds since the schedule started; nil while held.
	ScheduleT *float64 `json:"scheduleT,omitempty"`
	// WriteErrors counts packets the TUN device refused.
	WriteErrors int64 `json:"writeErrors,omitempty"`
}

// Forwarder forwards the packets of its links. Make it with Open, run it
// with Run.
type Forwarder struct {
	cfg   Config
	start time.Time
	files []*os.File
	links []*fwdLink
	pool  bufPool
}

type fwdLink struct {
	name     string
	up, down *pipeLoop
}

// Open creates the TUN devices of every link. Their addresses and routes are
// the caller's (package network sets them once the forwarder is ready).
func Open(cfg Config) (*Forwarder, error) {
	if cfg.StatsInterval <= 0 {
		cfg.StatsInterval = DefaultStatsInterval
	}
	f := &Forwarder{cfg: cfg, pool: make(bufPool, 4*inQueue)}
	for _, lc := range cfg.Links {
		if lc.Profile == nil {
			return nil, errors.Join(fmt.Errorf("link %s has no profile", lc.Name), f.closeFiles())
		}
		side, err := netns.OpenTUN(lc.SideNS, lc.SideTUN)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("link %s: %w", lc.Name, err), f.closeFiles())
		}
		f.files = append(f.files, side)
		core, err := netns.OpenTUN(lc.CoreNS, lc.CoreTUN)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("link %s: %w", lc.Name, err), f.closeFiles())
		}
		f.files = append(f.files, core)
		l := &fwdLink{
			name: lc.Name,
			up:   newPipeLoop(lc, link.Up, side, core, f.pool),
			down: newPipeLoop(lc, link.Down, core, side, f.pool),
		}
		f.links = append(f.links, l)
	}
	f.start = time.Now()
	return f, nil
}

func (f *Forwarder) closeFiles() error {
	var errs []error
	for _, file := range f.files {
		if err := file.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// clock is the link clock: the time since Open.
func (f *Forwarder) clock() time.Duration { return time.Since(f.start) }

// Run forwards until ctx ends, then closes the devices.
func (f *Forwarder) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, l := range f.links {
		for _, p := range []*pipeLoop{l.up, l.down} {
			wg.Add(2)
			go func() { defer wg.Done(); p.read(ctx) }()
			go func() { defer wg.Done(); p.run(ctx, f.clock) }()
		}
	}
	<-ctx.Done()
	cancel()
	err := f.closeFiles() // ends the readers' blocking reads
	wg.Wait()
	return err
}

// StartSchedule starts the held schedules of every link now.
func (f *Forwarder) StartSchedule(ctx context.Context) {
	for _, l := range f.links {
		for _, p := range []*pipeLoop{l.up, l.down} {
			p.do(ctx, func(now time.Duration) { p.pipe.StartSchedule(now) })
		}
	}
}

// Report returns every link's state now; capacity is averaged since the
// previous call.
func (f *Forwarder) Report(ctx context.Context) Report {
	r := Report{UnixMs: time.Now().UnixMilli(), T: f.clock().Seconds()}
	for _, l := range f.links {
		r.Links = append(r.Links, LinkReport{Name: l.name, Up: l.up.report(ctx), Down: l.down.report(ctx)})
	}
	return r
}

// pipeLoop is one direction of a link: a reader goroutine that takes
// packets from the device in, and a goroutine that owns the pipe and writes
// what is due to the device out.
type pipeLoop struct {
	profile *link.Profile
	dir     link.Direction
	pipe    *link.Pipe
	in, out *os.File
	pool    bufPool
	arrived chan []byte
	ctl     chan func(now time.Duration)

	lastReport  time.Duration // owned by the run goroutine
	writeErrors atomic.Int64
}

func newPipeLoop(lc LinkConfig, d link.Direction, in, out *os.File, pool bufPool) *pipeLoop {
	p := &pipeLoop{
		profile: lc.Profile, dir: d, pipe: lc.Profile.NewPipe(d),
		in: in, out: out, pool: pool,
		arrived: make(chan []byte, inQueue),
		ctl:     make(chan func(time.Duration)),
	}
	if lc.HoldSchedule {
		p.pipe.HoldSchedule()
	}
	return p
}

func (p *pipeLoop) read(ctx context.Context) {
	for {
		buf := p.pool.get()
		n, err := p.in.Read(buf)
		if err != nil {
			return // closed by Run
		}
		select {
		case p.arrived <- buf[:n]:
		case <-ctx.Done():
			return
		}
	}
}

func (p *pipeLoop) run(ctx context.Context, clock func() time.Duration) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var due [][]byte
	for {
		due = p.pipe.Receive(clock(), due[:0])
		for i, pkt := range due {
			if _, err := p.out.Write(pkt); err != nil {
				p.writeErrors.Add(1)
			}
			p.pool.put(pkt)
			due[i] = nil
		}
		wait := time.Hour
		if next, busy := p.pipe.Next(); busy {
			if wait = next - clock(); wait <= 0 {
				continue
			}
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case pkt := <-p.arrived:
			p.send(clock(), pkt)
		drain:
			for range drainBatch {
				select {
				case pkt := <-p.arrived:
					p.send(clock(), pkt)
				default:
					break drain
				}
			}
		case f := <-p.ctl:
			f(clock())
		case <-timer.C:
		}
	}
}

func (p *pipeLoop) send(now time.Duration, pkt []byte) {
	if p.pipe.Send(now, pkt) != link.Accepted {
		p.pool.put(pkt)
	}
}

// do runs f in the pipe's goroutine and waits for it (or for ctx).
func (p *pipeLoop) do(ctx context.Context, f func(now time.Duration)) {
	done := make(chan struct{})
	select {
	case p.ctl <- func(now time.Duration) { f(now); close(done) }:
		select {
		case <-done:
		case <-ctx.Done():
		}
	case <-ctx.Done():
	}
}

func (p *pipeLoop) report(ctx context.Context) DirReport {
	var r DirReport
	p.do(ctx, func(now time.Duration) {
		r.Stats = p.pipe.Stats()
		origin, started := p.pipe.ScheduleOrigin()
		if !started {
			origin = now + time.Hour // nothing of the schedule applies yet
		} else {
			t := (now - origin).Seconds()
			r.ScheduleT = &t
		}
		if c, ok := p.profile.Capacity(p.dir, origin, p.lastReport, now); ok {
			r.CapacityBps = &c
		}
		p.lastReport = now
	})
	r.WriteErrors = p.writeErrors.Load()
	return r
}

// bufPool recycles packet buffers.
type bufPool chan []byte

func (p bufPool) get() []byte {
	select {
	case b := <-p:
		return b[:cap(b)]
	default:
		return make([]byte, bufSize)
	}
}

func (p bufPool) put(b []byte) {
	if cap(b) != bufSize {
		return
	}
	select {
	case p <- b:
	default:
	}
}
