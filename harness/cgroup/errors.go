package cgroup

import "errors"

// Errors of this package.
var (
	// ErrNoController means no cgroup hierarchy with the cpu controller is
	// mounted (or, for v2, enabled) here.
	ErrNoController = errors.New("no cgroup cpu controller")
	// ErrPermission means the hierarchy exists but this process may not create
	// groups in it (run as root, or delegate a v2 subtree and pass it as parent).
	ErrPermission = errors.New("no permission to create cgroups")
	// ErrBudget wraps a budget that cannot be parsed.
	ErrBudget = errors.New("cpu budget")
)
