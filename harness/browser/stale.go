package browser

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// userDataPrefix names the profile folders Launch creates in os.TempDir().
const userDataPrefix = "echtzeit-chromium-"

// sweepStale removes profile folders left behind by browsers whose owner
// died without Close (a test binary that crashed or was killed; Chromium
// itself dies with its parent through Pdeathsig). A folder is stale when its
// SingletonLock names this host and a process that no longer exists; a
// folder without the lock may belong to a Chromium that is starting, so it
// is kept. Best effort: it returns how many folders it removed.
func sweepStale() int {
	host, err := os.Hostname()
	if err != nil {
		return 0
	}
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), userDataPrefix+"*"))
	removed := 0
	for _, dir := range dirs {
		target, err := os.Readlink(filepath.Join(dir, "SingletonLock"))
		if err != nil {
			continue
		}
		// The lock is a symlink to "HOSTNAME-PID".
		i := strings.LastIndexByte(target, '-')
		if i < 0 || target[:i] != host {
			continue
		}
		pid, err := strconv.Atoi(target[i+1:])
		if err != nil || pid <= 0 || processExists(pid) {
			continue
		}
		if os.RemoveAll(dir) == nil {
			removed++
		}
	}
	return removed
}

func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
