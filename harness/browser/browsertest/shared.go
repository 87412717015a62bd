package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"echtzeit/harness/browser"
)

// Shared is one Chromium shared by the tests of a test binary: started on
// first use, closed by Run after the tests. Each test gets its own tab from
// Page. Typical use:
//
//	var chromium = browsertest.NewShared(browser.WithWebRTCTesting())
//
//	func TestMain(m *testing.M) { os.Exit(chromium.Run(m)) }
//
//	func TestX(t *testing.T) {
//		page := chromium.Page(t)
//		...
//	}
type Shared struct {
	opts []browser.Option

	mu      sync.Mutex
	browser *browser.Browser
	err     error
	labels  map[string]int // pages opened per test, for failure artifacts
}

// NewShared prepares a shared browser started with opts on first use.
func NewShared(opts ...browser.Option) *Shared { return &Shared{opts: opts} }

// Run runs the tests and closes the browser; TestMain passes its result to
// os.Exit.
func (s *Shared) Run(m *testing.M) int {
	code := m.Run()
	if err := s.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "close shared chromium: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Browser returns the shared browser, launching it on the first call. When
// Chromium is missing it skips t, or fails it when ECHTZEIT_REQUIRE_BROWSER
// is set; any other launch error fails t.
func (s *Shared) Browser(t testing.TB) *browser.Browser {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.browser == nil && s.err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s.browser, s.err = browser.Launch(ctx, s.opts...)
		cancel()
	}
	if s.err != nil {
		skipOrFail(t, s.err)
	}
	return s.browser
}

// Page opens a tab for t in the shared browser. When t ends the tab is
// closed; before that, an uncaught JavaScript exception in the page fails t
// (unless the page's AllowExceptions was called), and when t failed a
// screenshot and the console log are saved under
// <module root>/testdata/failures/<TestName>/ (the second page of a test as
// page-2 and so on).
func (s *Shared) Page(t testing.TB) *browser.Page {
	t.Helper()
	b := s.Browser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	p, err := b.NewPage(ctx)
	if err != nil {
		t.Fatalf("open page: %v", err)
	}
	label := s.pageLabel(t.Name())
	t.Cleanup(func() {
		if !p.ExceptionsAllowed() {
			for _, m := range p.Exceptions() {
				t.Errorf("JavaScript exception in the page: %s (%s:%d)", m.Text, m.URL, m.Line+1)
			}
		}
		if t.Failed() {
			dir, err := saveFailureArtifacts(t.Name(), label, p)
			if err != nil {
				t.Logf("save failure artifacts: %v", err)
			} else {
				t.Logf("screenshot and console log saved in %s", dir)
			}
		}
		if err := p.Close(); err != nil {
			t.Logf("close page: %v", err)
		}
	})
	return p
}

// pageLabel names the n-th page a test opens: "page", "page-2", "page-3" …
func (s *Shared) pageLabel(test string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.labels == nil {
		s.labels = make(map[string]int)
	}
	s.labels[test]++
	if n := s.labels[test]; n > 1 {
		return fmt.Sprintf("page-%d", n)
	}
	return "page"
}

// Close stops the shared browser if it was started.
func (s *Shared) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.browser == nil {
		return nil
	}
	return s.browser.Close()
}

// LaunchForTest launches a browser of t's own, closed when t ends; it skips
// or fails t like Shared.Browser.
func LaunchForTest(t testing.TB, opts ...browser.Option) *browser.Browser {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := browser.Launch(ctx, opts...)
	if err != nil {
		skipOrFail(t, err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("close chromium: %v", err)
		}
	})
	return b
}

func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, browser.ErrNoChromium) && !envBool(browser.EnvRequireBrowser) {
		t.Skipf("skipping browser test: %v (set %s=1 to fail instead)", err, browser.EnvRequireBrowser)
	}
	t.Fatalf("launch chromium: %v", err)
}

func envBool(name string) bool {
	v, err := strconv.ParseBool(os.Getenv(name))
	return err == nil && v
}
