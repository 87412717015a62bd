package forwarder

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Scheduling of the forwarder process. Its packets must leave when the
// model says, also while a 1080p trial keeps both cores busy, so its
// threads run under SCHED_FIFO (they sleep between packets and use a few
// per cent of a core at 20 Mbit/s; the kernel keeps 5 % of every second for
// others whatever happens). Without the right to do so it asks for nice -10.
const (
	rtPriority = 10
	fallback   = -10
)

// raisePriority moves every thread of this process (threads made later
// inherit it) to SCHED_FIFO, or else to a lower nice value, and says which.
func raisePriority() (string, error) {
	tids, err := threads()
	if err != nil {
		return "normal", err
	}
	attr := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: rtPriority}
	var rtErr error
	for _, tid := range tids {
		if rtErr = unix.SchedSetAttr(tid, &attr, 0); rtErr != nil {
			break
		}
	}
	if rtErr == nil {
		return fmt.Sprintf("SCHED_FIFO %d", rtPriority), nil
	}
	var niceErr error
	for _, tid := range tids {
		if niceErr = unix.Setpriority(unix.PRIO_PROCESS, tid, fallback); niceErr != nil {
			break
		}
	}
	if niceErr == nil {
		return fmt.Sprintf("nice %d (SCHED_FIFO refused: %v)", fallback, rtErr), nil
	}
	return "normal", errors.Join(fmt.Errorf("SCHED_FIFO: %w", rtErr), fmt.Errorf("nice: %w", niceErr))
}

func threads() ([]int, error) {
	entries, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil, err
	}
	var tids []int
	for _, e := range entries {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids, nil
}
