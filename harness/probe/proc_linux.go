package probe

import "syscall"

// errESRCH is what reading /proc/PID/stat of a process that is exiting returns.
var errESRCH error = syscall.ESRCH
