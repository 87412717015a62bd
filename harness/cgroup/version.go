package cgroup

import "fmt"

// Version is the cgroup hierarchy version of the cpu controller.
type Version int

// Versions.
const (
	VersionUnknown Version = iota
	V1                     // cgroup v1: cpu.cfs_quota_us, cpu.cfs_period_us
	V2                     // cgroup v2: cpu.max
)

func (v Version) String() string {
	switch v {
	case V1:
		return "v1"
	case V2:
		return "v2"
	}
	return "unknown"
}

// ParseVersion parses "v1" or "v2".
func ParseVersion(s string) (Version, error) {
	switch s {
	case "v1":
		return V1, nil
	case "v2":
		return V2, nil
	}
	return VersionUnknown, fmt.Errorf("cgroup version %q: want v1 or v2", s)
}
