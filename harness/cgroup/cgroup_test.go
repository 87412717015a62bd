package cgroup

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMountinfo(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		v1, v2 string
	}{
		{"hybrid as on the CI machines (v1 cpu, empty v2)", `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`, "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/unified"},
		{"co-mounted cpu,cpuacct", `30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:11 - cgroup cgroup rw,cpu,cpuacct
`, "/sys/fs/cgroup/cpu,cpuacct", ""},
		{"cpuset is not cpu", `34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
`, "", ""},
		{"pure v2 (systemd laptop)", `35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`, "", "/sys/fs/cgroup"},
		{"escaped mount point", `35 24 0:30 / /mnt/my\040cgroup rw - cgroup2 cgroup2 rw
`, "", "/mnt/my cgroup"},
		{"garbage lines", "no separator here\n1 2 - x\n", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v1, v2, err := parseMountinfo(strings.NewReader(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.v1, v1)
			assert.Equal(t, tt.v2, v2)
		})
	}
}

func TestParseBudget(t *testing.T) {
	tests := []struct {
		in      string
		factors map[string]float64
		cores   float64
		board   string
		err     bool
	}{
		{"host", nil, 0, "", false},
		{"0.5", nil, 0.5, "", false},
		{" 2 ", nil, 2, "", false},
		{"pi4", nil, 1.2, "pi4", false},
		{"pi4:1", nil, 0.3, "pi4", false},
		{"pi3", nil, 0.6, "pi3", false},
		{"pi4", map[string]float64{"pi4": 0.25}, 1.0, "pi4", false},
		{"pi4:2", map[string]float64{"pi3": 9}, 0.6, "pi4", false},
		{"pi4:5", nil, 0, "", true},
		{"pi4:0", nil, 0, "", true},
		{"pi5", nil, 0, "", true},
		{"0", nil, 0, "", true},
		{"-1", nil, 0, "", true},
		{"NaN", nil, 0, "", true},
		{"pi4", map[string]float64{"pi4": 0}, 0, "", true},
		{"", nil, 0, "", true},
	}
	for _, tt := range tests {
		b, err := ParseBudget(tt.in, tt.factors)
		if tt.err {
			require.Error(t, err, tt.in)
			require.ErrorIs(t, err, ErrBudget)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.InDelta(t, tt.cores, b.Cores, 1e-9, tt.in)
		assert.Equal(t, tt.board, b.Board, tt.in)
		assert.Equal(t, tt.cores > 0, b.Limited(), tt.in)
	}
}

func TestParseCPUStat(t *testing.T) {
	v1 := parseCPUStat([]byte("nr_periods 20\nnr_throttled 7\nthrottled_time 350000000\nnr_bursts 0\nburst_time 0\n"))
	assert.Equal(t, Stats{Periods: 20, Throttled: 7, ThrottledTime: 350 * time.Millisecond, Usage: -1}, v1)
	v2 := parseCPUStat([]byte("usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 30\nnr_throttled 3\nthrottled_usec 120000\n"))
	assert.Equal(t, Stats{Periods: 30, Throttled: 3, ThrottledTime: 120 * time.Millisecond, Usage: 1500 * time.Millisecond}, v2)
}

func TestParseName(t *testing.T) {
	o, ok := parseName("ezcpu-123-456789-0a1b2c3d")
	require.True(t, ok)
	assert.Equal(t, owner{pid: 123, start: 456789}, o)
	for _, bad := range []string{"ezcpu-", "ezcpu-x-1-a", "ezcpu-1-y-a", "ezcpu-1-2", "ezcpu-0-2-a", "other-1-2-a", "ezcpu-1-2-a-b"} {
		_, ok := parseName(bad)
		assert.False(t, ok, bad)
	}
}

func TestVersion(t *testing.T) {
	for _, v := range []Version{V1, V2} {
		p, err := ParseVersion(v.String())
		require.NoError(t, err)
		assert.Equal(t, v, p)
	}
	_, err := ParseVersion("v3")
	require.Error(t, err)
	assert.Equal(t, "unknown", VersionUnknown.String())
}

func TestNewRejectsBadQuota(t *testing.T) {
	c := &Controller{version: V1, dir: t.TempDir()}
	for _, cores := range []float64{0, -1, MaxCores + 1} {
		_, err := c.New(cores)
		require.True(t, errors.Is(err, ErrBudget), "%g: %v", cores, err)
	}
}

// TestQuotaFiles writes both hierarchies' quota files into plain directories
// (the files a real cgroupfs would give the group), so the v2 path is tested
// on machines whose cpu controller is v1, and the other way round.
func TestQuotaFiles(t *testing.T) {
	tests := []struct {
		v     Version
		files map[string]string
	}{
		{V1, map[string]string{"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "25000"}},
		{V2, map[string]string{"cpu.max": "25000 100000"}},
	}
	for _, tt := range tests {
		t.Run(tt.v.String(), func(t *testing.T) {
			dir := t.TempDir()
			if tt.v == V2 {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("memory\n"), 0o644))
			}
			c, err := NewController(tt.v, dir)
			require.NoError(t, err)
			if tt.v == V2 {
				b, err := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
				require.NoError(t, err)
				assert.Equal(t, "+cpu", string(b), "the cpu controller is enabled for the children")
			}
			g, err := c.New(0.25)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(g.Name(), Prefix))
			for name, want := range tt.files {
				b, err := os.ReadFile(filepath.Join(g.Path(), name))
				require.NoError(t, err)
				assert.Equal(t, want, string(b), name)
			}
			// A plain directory keeps its files; cgroupfs would drop them with the group.
			require.NoError(t, os.RemoveAll(g.Path()))
			require.NoError(t, g.Remove())
		})
	}
	_, err := NewController(VersionUnknown, t.TempDir())
	require.ErrorIs(t, err, ErrNoController)
	_, err = NewController(V1, filepath.Join(t.TempDir(), "missing"))
	require.ErrorIs(t, err, ErrNoController)
}
