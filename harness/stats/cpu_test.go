package stats

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCPUPercent(t *testing.T) {
	cpu := func(ms int, u, s uint64) CPUTimes {
		return CPUTimes{Time: t0.Add(time.Duration(ms) * time.Millisecond), UTime: u, STime: s}
	}
	cases := []struct {
		name      string
		prev, cur CPUTimes
		want      float64
	}{
		{"idle", cpu(0, 50, 10), cpu(1000, 50, 10), 0},
		{"one core", cpu(0, 0, 0), cpu(1000, 90, 10), 100},
		{"two cores", cpu(0, 0, 0), cpu(2000, 300, 100), 200},
		{"half a core user+sys", cpu(0, 100, 100), cpu(1000, 140, 110), 50},
		{"fraction", cpu(0, 0, 0), cpu(2000, 1, 0), 0.5},
		{"tree lost a child", cpu(0, 500, 100), cpu(1000, 300, 50), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := CPUPercent(c.prev, c.cur, ClockTicks)
			require.NoError(t, err)
			assert.InDelta(t, c.want, got, 1e-9)
		})
	}
	_, err := CPUPercent(cpu(1000, 0, 0), cpu(1000, 1, 0), ClockTicks)
	require.ErrorIs(t, err, ErrInterval)
	_, err = CPUPercent(cpu(0, 0, 0), cpu(1000, 1, 0), 0)
	require.ErrorIs(t, err, ErrInterval)
}

func TestParseProcStat(t *testing.T) {
	// Lines in the shape of proc(5); the second from a Chromium renderer whose
	// comm holds a space and a parenthesis.
	const bash = "4242 (bash) S 4200 4242 4242 34816 4300 4194304 1200 3000 0 0 17 5 0 0 20 0 1 0 123456 9000000 1234 18446744073709551615 1 1 0 0 0 0 65536 3670020 1266777851 0 0 0 17 1 0 0 0 0 0\n"
	const odd = "77 (Web (Content) x) R 1 77 77 0 -1 4194560 10 0 0 0 123456 7890 0 0 20 0 12 0 99 1000 55555 18446744073709551615"
	cases := []struct {
		name string
		line string
		want ProcStat
	}{
		{"bash", bash, ProcStat{PID: 4242, Comm: "bash", State: 'S', PPID: 4200, UTime: 17, STime: 5, RSSPages: 1234}},
		{"comm with parentheses", odd, ProcStat{PID: 77, Comm: "Web (Content) x", State: 'R', PPID: 1, UTime: 123456, STime: 7890, RSSPages: 55555}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseProcStat(c.line)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestParseProcStatErrors(t *testing.T) {
	cases := []struct{ name, line string }{
		{"empty", ""},
		{"no comm", "12 bash S 1 2 3"},
		{"bad pid", "x (bash) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22"},
		{"too short", "12 (bash) S 1 2 3"},
		{"bad utime", "12 (bash) S 1 2 3 4 5 6 7 8 9 10 u 12 13 14 15 16 17 18 19 20 21 22"},
		{"long state", "12 (bash) SS 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseProcStat(c.line)
			require.ErrorIs(t, err, ErrProcStat)
		})
	}
}

// TestParseProcStatSelf reads this test process's own line: a real kernel's
// format, not one written by hand.
func TestParseProcStatSelf(t *testing.T) {
	b, err := os.ReadFile("/proc/self/stat")
	if os.IsNotExist(err) {
		t.Skip("no /proc on this system")
	}
	require.NoError(t, err)
	st, err := ParseProcStat(string(b))
	require.NoError(t, err)
	assert.Equal(t, os.Getpid(), st.PID, "pid of %q", strconv.Quote(string(b)))
	assert.Equal(t, os.Getppid(), st.PPID)
	assert.Positive(t, st.RSSPages)
}

func FuzzParseProcStat(f *testing.F) {
	f.Add("4242 (bash) S 4200 4242 4242 34816 4300 4194304 1200 3000 0 0 17 5 0 0 20 0 1 0 123456 9000000 1234 1")
	f.Add("77 (Web (Content) x) R 1 77 77 0 -1 4194560 10 0 0 0 123456 7890 0 0 20 0 12 0 99 1000 55555 1")
	f.Add("1 () S")
	f.Add(")(")
	f.Fuzz(func(t *testing.T, line string) {
		st, err := ParseProcStat(line)
		if err != nil {
			require.ErrorIs(t, err, ErrProcStat)
			return
		}
		// The command name is what stands between the first '(' and the
		// last ')', and the state is one byte.
		assert.Contains(t, line, "("+st.Comm+")")
		assert.True(t, isLetter(st.State), "state %q", st.State)
	})
}
