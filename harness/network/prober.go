package network

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"echtzeit/harness/netns"
)

// proberPriority is the SCHED_FIFO priority of the probe sender's thread
// while it sends: below the forwarder's (10), above every normal process.
const proberPriority = 5

// prober sends the self-check's probes from a blocking UDP socket made in
// the sending side's namespace, on an OS thread of its own that runs under
// SCHED_FIFO while it sends (where allowed) and sleeps in the kernel between
// ticks: a busy machine must change neither the probes' pacing nor, through
// a stalled sender, the load on the link.
type prober struct {
	fd  int
	dst unix.SockaddrInet4
}

func newProber(nsPath string, to netip.AddrPort) (*prober, error) {
	p := &prober{fd: -1, dst: unix.SockaddrInet4{Port: int(to.Port()), Addr: to.Addr().As4()}}
	err := netns.Do(nsPath, func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		p.fd = fd
		if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, 4<<20) == nil {
			return nil
		}
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4<<20)
	})
	if err != nil {
		p.close()
		return nil, fmt.Errorf("probe socket: %w", err)
	}
	return p, nil
}

func (p *prober) close() {
	if p.fd >= 0 {
		_ = unix.Close(p.fd)
		p.fd = -1
	}
}

// send sends n probes of phase with the given UDP payload at pps, in ticks
// of a millisecond, and returns how many it sent. After a stall at most
// maxBurst overdue probes go out at once and the others are skipped (0: all
// go), so that the small probes never queue behind each other. The first
// head probes go at once.
func (p *prober) send(ctx context.Context, run uint32, phase byte, n, payload int, pps float64, maxBurst, head int) (int, error) {
	type result struct {
		sent int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		restore := raiseThread()
		sent, err := p.loop(ctx, run, phase, n, payload, pps, maxBurst, head)
		if restore() {
			runtime.UnlockOSThread()
		} // else the thread stays locked and ends with this goroutine
		done <- result{sent, err}
	}()
	r := <-done
	return r.sent, r.err
}

func (p *prober) loop(ctx context.Context, run uint32, phase byte, n, payload int, pps float64, maxBurst, head int) (int, error) {
	buf := make([]byte, payload)
	copy(buf, "EZLC")
	binary.BigEndian.PutUint32(buf[4:8], run)
	buf[8] = phase
	tick := unix.NsecToTimespec(int64(pacingTick))
	start := time.Now()
	sent := 0
	for slot := 0; slot < n; {
		due := min(n, head+int(time.Since(start).Seconds()*pps)+1)
		if maxBurst > 0 && due-slot > maxBurst {
			slot = due - maxBurst
		}
		for ; slot < due; slot++ {
			binary.BigEndian.PutUint32(buf[9:13], uint32(sent))
			binary.BigEndian.PutUint64(buf[13:21], uint64(time.Now().UnixNano()))
			if err := unix.Sendto(p.fd, buf, 0, &p.dst); err != nil {
				return sent, fmt.Errorf("send probe: %w", err)
			}
			sent++
		}
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		_ = unix.Nanosleep(&tick, nil)
	}
	return sent, nil
}

// raiseThread moves the calling (locked) thread to SCHED_FIFO and returns a
// function that moves it back, reporting whether that worked (or nothing
// had changed).
func raiseThread() func() bool {
	rt := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: proberPriority}
	if unix.SchedSetAttr(0, &rt, 0) != nil {
		return func() bool { return true }
	}
	return func() bool {
		normal := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_NORMAL}
		return unix.SchedSetAttr(0, &normal, 0) == nil
	}
}
