package cgroup

import (
	"fmt"
	"os/exec"
	"strconv"
	"syscall"
)

// reaperScript waits while the group exists and its owner runs (same PID and
// start time, not a zombie), then kills what is left in the group and removes
// it. Arguments: owner PID, owner start time, group directory.
const reaperScript = `o=$1 start=$2 dir=$3
alive() {
	s=$(sed 's/.*) //' "/proc/$o/stat" 2>/dev/null) || return 1
	set -- $s
	[ "$1" != Z ] && [ "${20}" = "$start" ]
}
while [ -d "$dir" ] && alive; do sleep 1; done
[ -d "$dir" ] || exit 0
i=0
while [ $i -lt 50 ]; do
	p=$(cat "$dir/cgroup.procs" 2>/dev/null)
	[ -z "$p" ] && break
	kill -9 $p 2>/dev/null
	sleep 0.1
	i=$((i + 1))
done
rmdir "$dir"
`

// startReaper starts the group's reaper in a session of its own, so that it
// outlives the owner and the owner's process group.
func (g *Group) startReaper(self owner) error {
	cmd := exec.Command("/bin/sh", "-c", reaperScript, "ezcpu-reaper", strconv.Itoa(self.pid), strconv.FormatUint(self.start, 10), g.path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start cgroup reaper: %w", err)
	}
	g.reaper = cmd
	g.reaped = make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(g.reaped)
	}()
	return nil
}
