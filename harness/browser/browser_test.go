package browser_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
	"echtzeit/harness/browser/browsertest"
)

var chromium = browsertest.NewShared(browser.WithWebRTCTesting())

func TestMain(m *testing.M) { os.Exit(chromium.Run(m)) }

func testServer(t *testing.T, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestEvalAndWait(t *testing.T) {
	page := chromium.Page(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	url := testServer(t, `<!doctype html><title>t</title><script>
		window.counter = 0; setInterval(() => window.counter++, 20);
		console.log("hello from the page");
	</script>`)
	require.NoError(t, page.Navigate(ctx, url))

	sum, err := browser.Eval[int](ctx, page, "Promise.resolve(40 + 2)")
	require.NoError(t, err)
	assert.Equal(t, 42, sum)

	type obj struct {
		A string `json:"a"`
		B []int  `json:"b"`
	}
	o, err := browser.Eval[obj](ctx, page, `({a: "x", b: [1, 2]})`)
	require.NoError(t, err)
	assert.Equal(t, obj{"x", []int{1, 2}}, o)

	_, err = browser.Eval[int](ctx, page, `(() => { throw new Error("boom"); })()`)
	require.Error(t, err)

	require.NoError(t, page.WaitFor(ctx, "window.counter > 3", 10*time.Second, ""))
	err = page.WaitFor(ctx, "window.counter < 0", 300*time.Millisecond, "window.counter")
	require.ErrorIs(t, err, browser.ErrTimeout)
	assert.Contains(t, err.Error(), "window.counter =")

	require.Eventually(t, func() bool {
		return strings.Contains(page.ConsoleText(), "hello from the page")
	}, 5*time.Second, 50*time.Millisecond)

	png, err := page.Screenshot(ctx)
	require.NoError(t, err)
	assert.True(t, len(png) > 8 && string(png[1:4]) == "PNG", "screenshot is a PNG")

	assert.Greater(t, page.Browser().PID(), 0)
}

func TestExceptionsRecorded(t *testing.T) {
	page := chromium.Page(t)
	page.AllowExceptions()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	url := testServer(t, `<!doctype html><script>setTimeout(() => { throw new Error("uncaught-for-test"); }, 10);</script>`)
	require.NoError(t, page.Navigate(ctx, url))
	require.Eventually(t, func() bool { return len(page.Exceptions()) > 0 }, 5*time.Second, 50*time.Millisecond)
	assert.Contains(t, page.Exceptions()[0].Text, "uncaught-for-test")
}

func TestInitScript(t *testing.T) {
	page := chromium.Page(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, page.AddInitScript(ctx, `window.fromInit = "yes";`))
	require.NoError(t, page.Navigate(ctx, testServer(t, `<!doctype html><script>window.seen = window.fromInit;</script>`)))
	seen, err := browser.Eval[string](ctx, page, "window.seen")
	require.NoError(t, err)
	assert.Equal(t, "yes", seen)
}

func TestMissingChromium(t *testing.T) {
	_, err := browser.Launch(context.Background(), browser.WithExecPath(filepath.Join(t.TempDir(), "no-chromium")))
	require.ErrorIs(t, err, browser.ErrNoChromium)
}

func TestCloseRemovesUserDataDir(t *testing.T) {
	b := browsertest.LaunchForTest(t)
	dir := b.UserDataDir()
	require.DirExists(t, dir)
	assert.True(t, strings.HasPrefix(filepath.Base(dir), "echtzeit-chromium-"), dir)
	require.NoError(t, b.Close())
	require.NoError(t, b.Close(), "Close twice")
	assert.NoDirExists(t, dir)
	_, err := b.NewPage(context.Background())
	assert.ErrorIs(t, err, browser.ErrClosed)
}

// TestExitReason: a Chromium killed from outside is seen as exited, with the
// signal in its exit text; it ran in its own process group.
func TestExitReason(t *testing.T) {
	b := browsertest.LaunchForTest(t)
	assert.False(t, b.Exited())
	assert.Equal(t, "chromium is running", b.ExitReason())
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", b.PID()))
	require.NoError(t, err)
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	assert.Equal(t, strconv.Itoa(b.PID()), fields[2], "Chromium leads its own process group")

	require.NoError(t, syscall.Kill(b.PID(), syscall.SIGKILL))
	select {
	case <-b.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("Done not closed after Chromium was killed")
	}
	assert.True(t, b.Exited())
	assert.Equal(t, "chromium exited: signal: killed", b.ExitReason())
	assert.Eventually(t, func() bool { return len(groupMembers(t, b.PID())) == 0 }, 5*time.Second, 50*time.Millisecond,
		"renderer, GPU and zygote processes of a killed Chromium are gone")
}

// groupMembers returns the live processes of process group pgid.
func groupMembers(t *testing.T, pgid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 2 && fields[0] != "Z" && fields[2] == strconv.Itoa(pgid) {
			out = append(out, pid)
		}
	}
	return out
}

// TestExitedAfterClose: Close ends the process, and Done says so.
func TestExitedAfterClose(t *testing.T) {
	b := browsertest.LaunchForTest(t)
	require.NoError(t, b.Close())
	assert.True(t, b.Exited())
	assert.True(t, strings.HasPrefix(b.ExitReason(), "chromium exited: "), b.ExitReason())
}

// TestStaleProfilesRemoved: Launch removes the profile folder of a browser
// whose process is gone, and keeps one whose process lives.
func TestStaleProfilesRemoved(t *testing.T) {
	host, err := os.Hostname()
	require.NoError(t, err)
	mk := func(pid int) string {
		dir, err := os.MkdirTemp("", "echtzeit-chromium-")
		require.NoError(t, err)
		t.Cleanup(func() { _ = os.RemoveAll(dir) })
		require.NoError(t, os.Symlink(fmt.Sprintf("%s-%d", host, pid), filepath.Join(dir, "SingletonLock")))
		return dir
	}
	// A PID that does not exist: beyond the kernel's pid_max default range.
	dead := mk(1 << 30)
	alive := mk(os.Getpid())
	noLock, err := os.MkdirTemp("", "echtzeit-chromium-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(noLock) })

	browsertest.LaunchForTest(t)
	assert.NoDirExists(t, dead)
	assert.DirExists(t, alive)
	assert.DirExists(t, noLock)
}

// goroutines returns the stacks of the program's goroutines (system
// goroutines of the runtime excluded, unlike runtime.NumGoroutine).
func goroutines() []string {
	buf := make([]byte, 1<<20)
	return strings.Split(strings.TrimSpace(string(buf[:runtime.Stack(buf, true)])), "\n\n")
}

// TestNoGoroutineLeak: a browser with pages, closed, leaves no goroutines.
func TestNoGoroutineLeak(t *testing.T) {
	url := testServer(t, `<!doctype html><script>console.log("x")</script>`)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	before := len(goroutines())
	b, err := browser.Launch(ctx)
	if errors.Is(err, browser.ErrNoChromium) {
		t.Skip(err)
	}
	require.NoError(t, err)
	for range 3 {
		p, err := b.NewPage(ctx)
		require.NoError(t, err)
		require.NoError(t, p.Navigate(ctx, url))
		_, err = p.Snapshot(ctx) // no window.echtzeit: an error, and no leak either
		require.Error(t, err)
		require.NoError(t, p.Close())
	}
	_, err = b.NewPage(ctx) // left open: Close must end it too
	require.NoError(t, err)
	require.NoError(t, b.Close())
	deadline := time.Now().Add(10 * time.Second)
	after := goroutines()
	for len(after) > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		after = goroutines()
	}
	assert.LessOrEqual(t, len(after), before, "goroutines left:\n%s", strings.Join(after, "\n\n"))
}
