package probe_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/probe"
)

func TestParseSystemStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    probe.SystemCPU
		wantErr bool
	}{
		{"kernel 6", "cpu  100 5 50 1000 20 3 2 7 0 0\ncpu0 50 2 25 500 10 1 1 3 0 0\n", probe.SystemCPU{Busy: 160, Total: 1180}, false},
		{"old kernel, no guest fields", "cpu 1 2 3 4 5 6 7 8\n", probe.SystemCPU{Busy: 19, Total: 28}, false},
		{"steal is in neither", "cpu 0 0 0 10 0 0 0 90\n", probe.SystemCPU{Busy: 0, Total: 10}, false},
		{"not the total first", "cpu0 1 2 3 4 5 6 7 8\n", probe.SystemCPU{}, true},
		{"too few fields", "cpu 1 2 3\n", probe.SystemCPU{}, true},
		{"not a number", "cpu 1 x 3 4 5 6 7 8\n", probe.SystemCPU{}, true},
		{"empty", "", probe.SystemCPU{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := probe.ParseSystemStat([]byte(tt.in))
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestBusyShare(t *testing.T) {
	a := probe.SystemCPU{Busy: 100, Total: 1000}
	share, ok := a.BusyShare(probe.SystemCPU{Busy: 150, Total: 1200})
	require.True(t, ok)
	assert.InDelta(t, 0.25, share, 1e-12)
	_, ok = a.BusyShare(a)
	assert.False(t, ok, "no time passed")
	_, ok = a.BusyShare(probe.SystemCPU{Busy: 50, Total: 1200})
	assert.False(t, ok, "counters went back")
}

func TestSystemFromProc(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "stat"), []byte("cpu 4 0 1 10 0 0 0 0 0 0\n"), 0o600))
	got, err := probe.Proc{Root: root}.System()
	require.NoError(t, err)
	assert.Equal(t, probe.SystemCPU{Busy: 5, Total: 15}, got)
	_, err = probe.Proc{Root: filepath.Join(root, "none")}.System()
	assert.Error(t, err)

	live, err := probe.NewProc().System()
	require.NoError(t, err, "this machine's /proc/stat")
	assert.Positive(t, live.Total)
}

func FuzzParseSystemStat(f *testing.F) {
	f.Add([]byte("cpu  100 5 50 1000 20 3 2 7 0 0\n"))
	f.Add([]byte("cpu 1 2 3\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := probe.ParseSystemStat(b)
		if err == nil {
			assert.GreaterOrEqual(t, s.Total, s.Busy)
		}
	})
}
