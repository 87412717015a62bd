package harness_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness"
	"echtzeit/harness/browser"
	"echtzeit/harness/results"
)

// childOf returns the PID of a child of this test process that runs exe.
func childOf(exe string) (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	me := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		path, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || path != exe {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(me) {
			return pid, nil
		}
	}
	return 0, errors.New("no child process runs " + exe)
}

// killOnMeasuring returns an OnStage hook that SIGKILLs the child running exe
// when trial 0 starts measuring, and a function returning the kill's error.
func killOnMeasuring(exe string) (func(int, string), func() error) {
	var once sync.Once
	var mu sync.Mutex
	err := errors.New("trial 0 never reached its measurement")
	hook := func(trial int, stage string) {
		if trial != 0 || !strings.HasPrefix(stage, "measuring") {
			return
		}
		once.Do(func() {
			pid, e := childOf(exe)
			if e == nil {
				e = syscall.Kill(pid, syscall.SIGKILL)
			}
			mu.Lock()
			err = e
			mu.Unlock()
		})
	}
	return hook, func() error {
		mu.Lock()
		defer mu.Unlock()
		return err
	}
}

// TestBrowserKilledMidTrial: Chromium dies while the first trial measures; that
// trial fails naming the browser, the harness launches a new Chromium and the
// next trial succeeds.
func TestBrowserKilledMidTrial(t *testing.T) {
	requireMediaEnv(t)
	bin := binaries(t)
	exe, err := browser.ExecPath()
	require.NoError(t, err)
	sc := loadScenario(t, `name: browser-crash
warmup: 1s
measure: 4s
timeout: 40s
trials:
  - kind: browser-to-browser
    resolutions: [160x90]
    repeats: 2
`)
	hook, killErr := killOnMeasuring(exe)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "run")
	out, err := harness.Run(ctx, harness.Config{Scenario: sc, Dir: dir, BinDir: bin, OnStage: hook})
	require.NoError(t, err)
	t.Cleanup(func() { dumpOnFailure(t, dir) })
	require.NoError(t, killErr())
	require.Len(t, out.Trials, 2)
	assert.False(t, out.Trials[0].OK)
	assert.Equal(t, results.ProcessBrowser, out.Trials[0].FailedComponent, "reason: %s", out.Trials[0].FailReason)
	assert.Contains(t, out.Trials[0].FailReason, "chromium exited")
	assert.True(t, out.Trials[1].OK, "a new Chromium for the next trial: %s", out.Trials[1].FailReason)
}

// TestSignalingKilledMidTrial: the signaling server dies during a load trial;
// the trial fails naming it with its output, the server is restarted and the
// next trial succeeds.
func TestSignalingKilledMidTrial(t *testing.T) {
	bin := binaries(t)
	sc := loadScenario(t, `name: signaling-crash
warmup: 1s
measure: 4s
trials:
  - kind: signaling-load
    participants: [10]
    repeats: 2
`)
	hook, killErr := killOnMeasuring(filepath.Join(bin, "signaling"))
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "run")
	out, err := harness.Run(ctx, harness.Config{Scenario: sc, Dir: dir, BinDir: bin, OnStage: hook})
	require.NoError(t, err)
	t.Cleanup(func() { dumpOnFailure(t, dir) })
	require.NoError(t, killErr())
	require.Len(t, out.Trials, 2)
	first := out.Trials[0]
	assert.False(t, first.OK)
	assert.Equal(t, results.ProcessSignaling, first.FailedComponent)
	assert.Contains(t, first.FailReason, "signaling exited")
	assert.Contains(t, first.FailReason, "killed")
	assert.True(t, out.Trials[1].OK, "a restarted server for the next trial: %s", out.Trials[1].FailReason)
	require.NotNil(t, out.Trials[1].Signaling)
	assert.Equal(t, 10, out.Trials[1].Signaling.Connections)

	// Every goroutine the run started (clients, probes, child watchers) ended.
	// (A plain loop: assert.Eventually runs its condition in a goroutine.)
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines after the run")
}
