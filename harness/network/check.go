package network

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"echtzeit/harness/link"
	"echtzeit/harness/netns"
	"echtzeit/harness/probe"
)

// Tolerances of the self-check (issue 9): measured within 5 % of the rate,
// 2 ms of the one-way delay and 1 percentage point of the loss.
const (
	RateTolerance  = 0.05
	DelayTolerance = 2 * time.Millisecond
	LossTolerance  = 0.01
)

// Probe sizes and pacing of the self-check.
const (
	probeHeader    = 21
	smallPayload   = 24   // UDP payload of delay and loss probes (52 bytes of IP)
	largePayload   = 1200 // UDP payload of rate probes (1228 bytes of IP)
	ipUDPOverhead  = 28   // IPv4 and UDP headers: rates count IP bytes, as the link does
	maxSmallPPS    = 5000
	smallShare     = 0.4  // delay probes use at most this share of the rate (no queueing)
	rateOverdrive  = 1.25 // rate probes offer this much of the rate (a full queue)
	rateFor        = 2 * time.Second
	rateHead       = 250 * time.Millisecond
	unlimitedRate  = 20e6 // offered to an unlimited direction to show its throughput
	maxSmallFor    = 8 * time.Second
	minSmallFor    = 2 * time.Second
	pacingTick     = time.Millisecond
	recvBuffer     = 32 << 20 // bytes of the probe receiver's socket buffer
	smallBurst     = 4        // overdue small probes sent at once after a stall
	unlimitedBurst = 32       // the same on an unlimited link
	clockTicksHz   = 100      // USER_HZ of /proc/PID/stat
)

// Probe phases.
const (
	phaseSmall byte = 1
	phaseRate  byte = 2
)

// CheckOptions say which link to check.
type CheckOptions struct {
	// Side is the side whose access link is checked (default: the first);
	// Peer the side at the other end of the probes (default: the next one),
	// whose own link should be unshaped.
	Side, Peer string
	// Progress, when set, is told what the check does.
	Progress func(string)
}

// CheckReport is the result of Check.
type CheckReport struct {
	Profile string
	Dirs    []DirCheck
}

// OK reports whether every checked figure is within its tolerance.
func (r *CheckReport) OK() bool {
	for _, d := range r.Dirs {
		if !d.OK() {
			return false
		}
	}
	return true
}

// DirCheck is what the self-check measured in one direction.
type DirCheck struct {
	Direction link.Direction
	Params    link.Params

	// RateConfigured is the link's capacity over the rate probes' arrival
	// (bit/s; 0 = unlimited), RateOffered what the probes sent, RateMeasured
	// what arrived, in IP bytes.
	RateConfigured, RateOffered, RateMeasured float64
	// Delay is the one-way delay of the small probes.
	DelayConfigured                        time.Duration
	DelayMean, DelayP5, DelayP50, DelayP95 time.Duration
	// Loss is the share of small probes that did not arrive.
	LossConfigured, LossMeasured float64
	LossProbes                   int
	// ForwarderCPU is the forwarder's CPU (% of one core) during the rate
	// probes, and ForwardedMbps what it delivered meanwhile.
	ForwarderCPU, ForwardedMbps float64
}

// RateOK: within RateTolerance of the configured rate (always true when
// unlimited: there is nothing to hold).
func (d DirCheck) RateOK() bool {
	if d.RateConfigured == 0 {
		return true
	}
	return abs(d.RateMeasured-d.RateConfigured) <= RateTolerance*d.RateConfigured
}

// DelayOK: the mean one-way delay within DelayTolerance.
func (d DirCheck) DelayOK() bool {
	return abs(float64(d.DelayMean-d.DelayConfigured)) <= float64(DelayTolerance)
}

// LossOK: the loss within LossTolerance.
func (d DirCheck) LossOK() bool { return abs(d.LossMeasured-d.LossConfigured) <= LossTolerance }

// OK: all three.
func (d DirCheck) OK() bool { return d.RateOK() && d.DelayOK() && d.LossOK() }

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// Check measures the access link of opts.Side with UDP probes in both
// directions: small probes below the rate for the one-way delay and the
// loss, then a few seconds of large probes above the rate for the rate. The
// schedule is not followed: start the topology with HoldSchedule to check
// the profile's settings at its start.
func Check(ctx context.Context, t *Topology, opts CheckOptions) (*CheckReport, error) {
	side, peer, err := t.checkSides(opts)
	if err != nil {
		return nil, err
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(string) {}
	}
	rep := &CheckReport{Profile: side.Profile.Name}
	for _, d := range []link.Direction{link.Up, link.Down} {
		from, to := side, peer
		if d == link.Down {
			from, to = peer, side
		}
		progress(fmt.Sprintf("%s: probing %s (%s → %s)", side.Profile.Name, d, from.Name, to.Name))
		dc, err := t.checkDirection(ctx, side.Profile.Params(d), from, to)
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", d, err)
		}
		dc.Direction = d
		rep.Dirs = append(rep.Dirs, dc)
	}
	return rep, nil
}

func (t *Topology) checkSides(opts CheckOptions) (side, peer *Side, err error) {
	if len(t.Sides) < 2 {
		return nil, nil, errors.New("check needs two sides")
	}
	side, peer = t.Sides[0], t.Sides[1]
	if opts.Side != "" {
		if side = t.Side(opts.Side); side == nil {
			return nil, nil, fmt.Errorf("no side %q", opts.Side)
		}
	}
	if opts.Peer != "" {
		if peer = t.Side(opts.Peer); peer == nil {
			return nil, nil, fmt.Errorf("no side %q", opts.Peer)
		}
	} else if peer == side {
		peer = t.Sides[0]
	}
	if peer == side {
		return nil, nil, errors.New("check needs two different sides")
	}
	return side, peer, nil
}

// checkDirection probes from → to. p are the settings being checked.
func (t *Topology) checkDirection(ctx context.Context, p link.Params, from, to *Side) (DirCheck, error) {
	dc := DirCheck{Params: p, DelayConfigured: p.Delay, LossConfigured: p.LossRate()}
	rx, err := newReceiver(to)
	if err != nil {
		return dc, err
	}
	defer func() { _ = rx.close() }()
	tx, err := newProber(from.NS.Path(), netip.AddrPortFrom(to.Addr, rx.port))
	if err != nil {
		return dc, fmt.Errorf("%s: %w", from.Name, err)
	}
	defer tx.close()

	// Delay and loss: small probes well below the rate.
	rate := p.MeanRate()
	pps := float64(maxSmallPPS)
	if rate > 0 {
		pps = min(pps, smallShare*rate/float64((smallPayload+ipUDPOverhead)*8))
	}
	want := 5000
	if p.GE != nil || p.LossBurst > 1 {
		want = 20000 // bursts need more probes for the same precision
	}
	dur := min(max(time.Duration(float64(want)/pps*float64(time.Second)), minSmallFor), maxSmallFor)
	n := int(pps * dur.Seconds())
	burst := smallBurst
	if rate == 0 {
		// Nothing queues on an unlimited link, but a burst of thousands
		// would overflow the TUN device's queue in front of the forwarder.
		burst = unlimitedBurst
	}
	sent, err := tx.send(ctx, rx.run, phaseSmall, n, smallPayload, pps, burst, 0)
	if err != nil {
		return dc, err
	}
	small := rx.wait(ctx, phaseSmall, sent, p.Delay+p.Jitter)
	dc.LossProbes = sent
	dc.LossMeasured = 1 - float64(len(small))/float64(sent)
	delays := make([]time.Duration, len(small))
	var sum time.Duration
	for i, a := range small {
		delays[i] = a.recv - a.sent
		sum += delays[i]
	}
	if len(delays) > 0 {
		slices.Sort(delays)
		dc.DelayMean = sum / time.Duration(len(delays))
		q := func(f float64) time.Duration { return delays[int(f*float64(len(delays)-1))] }
		dc.DelayP5, dc.DelayP50, dc.DelayP95 = q(0.05), q(0.5), q(0.95)
	}

	// Rate: large probes above the rate for a few seconds.
	dc.RateOffered = unlimitedRate
	if rate > 0 {
		dc.RateOffered = rateOverdrive * rate
	}
	ipBytes := largePayload + ipUDPOverhead
	lpps := dc.RateOffered / float64(ipBytes*8)
	ticks0, cpuErr := probe.NewProc().Stat(t.ForwarderPID())
	start := time.Now()
	// A head start of a quarter second's worth fills the queue at once.
	head := int(lpps / rateOverdrive * rateHead.Seconds())
	sent, err = tx.send(ctx, rx.run, phaseRate, head+int(lpps*rateFor.Seconds()), largePayload, lpps, 0, head)
	if err != nil {
		return dc, err
	}
	large := rx.wait(ctx, phaseRate, sent, p.Delay+p.Jitter)
	elapsed := time.Since(start)
	if len(large) >= 2 {
		first, last := large[0].recv, large[len(large)-1].recv
		span := (last - first).Seconds()
		dc.RateMeasured = float64((len(large)-1)*ipBytes*8) / span
		dc.ForwardedMbps = float64(len(large)*ipBytes*8) / elapsed.Seconds() / 1e6
		if rate > 0 {
			dc.RateConfigured = t.capacity(p, rx.at(first), rx.at(last))
		}
	}
	if ticks1, err := probe.NewProc().Stat(t.ForwarderPID()); err == nil && cpuErr == nil && t.ForwarderPID() != 0 {
		dc.ForwarderCPU = float64(ticks1.Ticks-ticks0.Ticks) / clockTicksHz / elapsed.Seconds() * 100
	}
	return dc, nil
}

// capacity is p's capacity between two wall-clock times (a trace's varies).
func (t *Topology) capacity(p link.Params, from, to time.Time) float64 {
	if p.Trace == nil {
		return float64(p.Rate)
	}
	prof := &link.Profile{Up: p}
	c, _ := prof.Capacity(link.Up, 0, t.LinkTime(from), t.LinkTime(to))
	return c
}

// arrival is one probe that arrived.
type arrival struct {
	seq        uint32
	sent, recv time.Duration // since the receiver's reference time
}

// receiver collects the probes of one direction.
type receiver struct {
	conn net.PacketConn
	port uint16
	ref  time.Time // the clock both ends use (one process)
	run  uint32    // marks this check's probes

	mu       sync.Mutex
	arrivals map[byte][]arrival
	last     map[byte]time.Time // latest arrival per phase
	done     chan struct{}
}

func newReceiver(to *Side) (*receiver, error) {
	conn, err := netns.ListenPacket(to.NS.Path(), "udp4", ":0")
	if err != nil {
		return nil, fmt.Errorf("probe receiver in %s: %w", to.Name, err)
	}
	uc, ok := conn.(*net.UDPConn)
	if !ok {
		_ = conn.Close()
		return nil, errors.New("probe receiver: not a UDP socket")
	}
	if err := setSocket(uc); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("probe receiver: socket options: %w", err)
	}
	var id [4]byte
	_, _ = rand.Read(id[:])
	r := &receiver{
		conn: conn, port: uint16(conn.LocalAddr().(*net.UDPAddr).Port), ref: time.Now().Round(0),
		run: binary.BigEndian.Uint32(id[:]), arrivals: make(map[byte][]arrival), last: make(map[byte]time.Time),
		done: make(chan struct{}),
	}
	go r.loop()
	return r, nil
}

func (r *receiver) loop() {
	defer close(r.done)
	buf := make([]byte, 2048)
	oob := make([]byte, 128)
	uc := r.conn.(*net.UDPConn)
	for {
		n, oobn, _, _, err := uc.ReadMsgUDP(buf, oob)
		if err != nil {
			return
		}
		now := kernelTime(oob[:oobn])
		if n < probeHeader || string(buf[:4]) != "EZLC" || binary.BigEndian.Uint32(buf[4:8]) != r.run {
			continue
		}
		a := arrival{
			seq:  binary.BigEndian.Uint32(buf[9:13]),
			sent: time.Duration(int64(binary.BigEndian.Uint64(buf[13:21])) - r.ref.UnixNano()),
			recv: time.Duration(now.UnixNano() - r.ref.UnixNano()),
		}
		r.mu.Lock()
		r.arrivals[buf[8]] = append(r.arrivals[buf[8]], a)
		r.last[buf[8]] = time.Now()
		r.mu.Unlock()
	}
}

// kernelTime returns the time the kernel received the datagram
// (SO_TIMESTAMPNS), or now when the control message does not carry it. It
// keeps the receiver's own scheduling out of the measured delay.
func kernelTime(oob []byte) time.Time {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err == nil {
		for _, m := range msgs {
			if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= 16 {
				sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))
				nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16]))
				return time.Unix(sec, nsec)
			}
		}
	}
	return time.Now()
}

// setSocket asks the kernel to stamp each received datagram, and gives the
// socket a receive buffer of recvBuffer past net.core.rmem_max (root), so
// that a receiving goroutine kept from running on a busy machine loses no
// probe (a few hundred small datagrams fill the default buffer).
func setSocket(c *net.UDPConn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
		if serr == nil {
			if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, recvBuffer) != nil {
				_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, recvBuffer)
			}
		}
	})
	return errors.Join(err, serr)
}

func (r *receiver) close() error {
	err := r.conn.Close()
	<-r.done
	return err
}

// at converts a receiver time to wall-clock time (ref is wall-clock only:
// the sender's stamps and the kernel's are CLOCK_REALTIME).
func (r *receiver) at(d time.Duration) time.Time { return r.ref.Add(d) }

// wait returns the arrivals of phase once all sent probes arrived or none
// came for a while (the rest are lost), sorted by arrival.
func (r *receiver) wait(ctx context.Context, phase byte, sent int, delay time.Duration) []arrival {
	quiet := 300*time.Millisecond + 2*delay
	start := time.Now()
	deadline := start.Add(30 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		r.mu.Lock()
		got, last := len(r.arrivals[phase]), r.last[phase]
		r.mu.Unlock()
		if got >= sent || time.Since(maxTime(last, start)) > quiet {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.arrivals[phase])
	slices.SortFunc(out, func(a, b arrival) int { return int(a.recv - b.recv) })
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
