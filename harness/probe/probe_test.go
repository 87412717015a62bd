package probe

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/results"
)

// statLine builds a /proc/PID/stat line with the given fields (proc(5)).
func statLine(pid int, comm string, ppid int, utime, stime, cutime, cstime uint64, rss int64) string {
	f := make([]string, 52)
	for i := range f {
		f[i] = "0"
	}
	f[0] = strconv.Itoa(pid)
	f[1] = "(" + comm + ")"
	f[2] = "S"
	f[3] = strconv.Itoa(ppid)
	f[13] = strconv.FormatUint(utime, 10)
	f[14] = strconv.FormatUint(stime, 10)
	f[15] = strconv.FormatUint(cutime, 10)
	f[16] = strconv.FormatUint(cstime, 10)
	f[23] = strconv.FormatInt(rss, 10)
	return strings.Join(f, " ") + "\n"
}

func writeProc(t *testing.T, root string, lines map[int]string) {
	t.Helper()
	for pid, l := range lines {
		dir := filepath.Join(root, strconv.Itoa(pid))
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "stat"), []byte(l), 0o644))
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    ProcStat
		wantErr bool
	}{
		{name: "plain", line: statLine(42, "chromium", 1, 10, 5, 2, 1, 300), want: ProcStat{PID: 42, PPID: 1, Comm: "chromium", State: 'S', Ticks: 18, RSSPages: 300}},
		{name: "comm with spaces and parens", line: statLine(7, "Web Content (x)", 3, 1, 1, 0, 0, 1), want: ProcStat{PID: 7, PPID: 3, Comm: "Web Content (x)", State: 'S', Ticks: 2, RSSPages: 1}},
		{name: "short", line: "1 (init) S 0 1", wantErr: true},
		{name: "no comm", line: "1 init S 0", wantErr: true},
		{name: "bad number", line: strings.Replace(statLine(1, "x", 0, 1, 1, 1, 1, 1), " S 0 ", " S zero ", 1), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseStat(strings.TrimSpace(tc.line))
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestAlive: a process counts as alive while its stat file exists and it is
// neither a zombie (Z) nor dead (X).
func TestAlive(t *testing.T) {
	root := t.TempDir()
	withState := func(pid int, state string) string {
		return strings.Replace(statLine(pid, "x y", 1, 0, 0, 0, 0, 1), ") S ", ") "+state+" ", 1)
	}
	writeProc(t, root, map[int]string{10: withState(10, "S"), 11: withState(11, "R"), 12: withState(12, "Z"), 13: withState(13, "X")})
	p := Proc{Root: root, PageSize: 4096}
	tests := []struct {
		pid  int
		want bool
	}{{10, true}, {11, true}, {12, false}, {13, false}, {14, false}, {0, false}, {-1, false}}
	for _, tc := range tests {
		assert.Equal(t, tc.want, p.Alive(tc.pid), "pid %d", tc.pid)
	}
	assert.True(t, NewProc().Alive(os.Getpid()), "this test's own process")
}

func TestTreeDiscovery(t *testing.T) {
	root := t.TempDir()
	// 100 ─┬─ 101 ─── 103
	//      └─ 102
	// 200 (unrelated), 1 (init)
	writeProc(t, root, map[int]string{
		1:   statLine(1, "init", 0, 0, 0, 0, 0, 10),
		100: statLine(100, "chromium", 1, 100, 50, 0, 0, 1000),
		101: statLine(101, "chromium renderer", 100, 300, 20, 0, 0, 2000),
		102: statLine(102, "chromium gpu", 100, 10, 10, 0, 0, 500),
		103: statLine(103, "helper", 101, 5, 5, 0, 0, 100),
		200: statLine(200, "other", 1, 999, 999, 0, 0, 9999),
	})
	require.NoError(t, os.MkdirAll(filepath.Join(root, "self"), 0o755)) // non-numeric entries are skipped
	p := Proc{Root: root, PageSize: 4096}
	all, err := p.All()
	require.NoError(t, err)
	assert.Len(t, all, 6)
	assert.ElementsMatch(t, []int{100, 101, 102, 103}, Tree(all, 100))
	assert.Equal(t, 100, Tree(all, 100)[0])
	assert.Equal(t, []int{102}, Tree(all, 102))
	assert.Nil(t, Tree(all, 555))

	u, err := p.TreeUsage(all, 100)
	require.NoError(t, err)
	assert.Equal(t, Usage{Ticks: 150 + 320 + 20 + 10, RSSBytes: (1000 + 2000 + 500 + 100) * 4096, Procs: 4}, u)
	_, err = p.TreeUsage(all, 555)
	assert.ErrorIs(t, err, ErrNoProcess)
}

func TestTrackerCPUFromTicks(t *testing.T) {
	root := t.TempDir()
	p := Proc{Root: root, PageSize: 4096}
	tr := NewTracker(p, nil)
	tr.Add(Target{Name: results.ProcessBrowser, PID: 100, Tree: true})
	tr.Add(Target{Name: results.ProcessCamera, PID: 300})
	t0 := time.Unix(1000, 0)
	ctx := context.Background()

	steps := []struct {
		at                time.Duration
		parent, child     uint64 // utime of 100 and 101
		childGone         bool   // 101 exited and was reaped: its ticks are in 100's cutime
		camera            uint64
		wantTree, wantCam float64
	}{
		{at: 0, parent: 0, child: 0, camera: 0, wantTree: math.NaN(), wantCam: math.NaN()},
		{at: time.Second, parent: 50, child: 100, camera: 25, wantTree: 150, wantCam: 25},
		{at: 3 * time.Second, parent: 60, child: 110, camera: 225, wantTree: 10, wantCam: 100},
		{at: 4 * time.Second, parent: 70, child: 150, childGone: true, camera: 225, wantTree: 50, wantCam: 0},
	}
	for i, st := range steps {
		if i == 1 {
			tr.StartWindow()
		}
		procs := map[int]string{
			300: statLine(300, "camera", 1, st.camera, 0, 0, 0, 100),
		}
		if st.childGone {
			require.NoError(t, os.RemoveAll(filepath.Join(root, "101")))
			procs[100] = statLine(100, "chromium", 1, st.parent, 0, st.child, 0, 1000)
		} else {
			procs[100] = statLine(100, "chromium", 1, st.parent, 0, 0, 0, 1000)
			procs[101] = statLine(101, "renderer", 100, st.child, 0, 0, 0, 3000)
		}
		writeProc(t, root, procs)
		pts := tr.Sample(ctx, t0.Add(st.at))
		require.Len(t, pts, 2)
		for _, pt := range pts {
			require.NoError(t, pt.Err)
		}
		if math.IsNaN(st.wantTree) {
			assert.True(t, math.IsNaN(pts[0].CPUPct))
			continue
		}
		assert.InDelta(t, st.wantTree, pts[0].CPUPct, 1e-9, "step %d tree", i)
		assert.InDelta(t, st.wantCam, pts[1].CPUPct, 1e-9, "step %d camera", i)
	}
	s := tr.Stats()
	// The window starts at the last reading before StartWindow (0 s) and ends
	// at 4 s: tree 0 → 220 ticks = 2.2 s of CPU over 4 s.
	assert.InDelta(t, 55.0, s[results.ProcessBrowser].CPUPct, 1e-9)
	assert.InDelta(t, 150.0, s[results.ProcessBrowser].CPUPeakPct, 1e-9)
	assert.Equal(t, int64(4000*4096), s[results.ProcessBrowser].PeakRSSBytes)
	assert.InDelta(t, 56.25, s[results.ProcessCamera].CPUPct, 1e-9)
	assert.Equal(t, 3, s[results.ProcessCamera].Samples)
}

func TestTreeOfLiveProcess(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 30 & sleep 30 & wait")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	p := NewProc()
	require.Eventually(t, func() bool {
		all, err := p.All()
		return err == nil && len(Tree(all, cmd.Process.Pid)) == 3
	}, 5*time.Second, 20*time.Millisecond, "sh and its two sleeps")
}

func TestTrackerOwnProcessBusy(t *testing.T) {
	tr := NewTracker(NewProc(), nil)
	tr.Add(Target{Name: results.ProcessHarness, PID: os.Getpid()})
	ctx := context.Background()
	tr.Sample(ctx, time.Now())
	tr.StartWindow()
	deadline := time.Now().Add(300 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	pts := tr.Sample(ctx, time.Now())
	require.NoError(t, pts[0].Err)
	assert.Greater(t, pts[0].CPUPct, 0.0, "a busy loop uses CPU (%d)", x)
	assert.Greater(t, pts[0].RSSBytes, int64(0))
	_, err := NewProc().Stat(1 << 30)
	assert.ErrorIs(t, err, ErrNoProcess)
}

func TestTrackerMetrics(t *testing.T) {
	cpu := 10.0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "# HELP process_cpu_seconds_total x\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %g\nprocess_resident_memory_bytes 5.5e+07\necho_x{a=\"b c\"} 3\n", cpu)
	}))
	t.Cleanup(srv.Close)
	tr := NewTracker(Proc{}, srv.Client())
	tr.Add(Target{Name: results.ProcessCamera, MetricsURL: srv.URL})
	ctx := context.Background()
	t0 := time.Unix(0, 0)
	tr.StartWindow()
	tr.Sample(ctx, t0)
	cpu = 10.5
	pts := tr.Sample(ctx, t0.Add(2*time.Second))
	require.NoError(t, pts[0].Err)
	assert.InDelta(t, 25.0, pts[0].CPUPct, 1e-9)
	assert.Equal(t, int64(55_000_000), pts[0].RSSBytes)
	assert.Equal(t, "metrics", tr.Stats()[results.ProcessCamera].Source)

	m, err := ParseMetrics(strings.NewReader("a 1\nb{x=\"}\"} 2 1700000000\n# c 3\nbad\nd NaN\n"))
	require.NoError(t, err)
	assert.Equal(t, 1.0, m["a"])
	assert.Equal(t, 2.0, m[`b{x="}"}`])
	assert.True(t, math.IsNaN(m["d"]))
	assert.NotContains(t, m, "bad")
}
