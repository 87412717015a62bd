package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Shared is one Chromium shared by the tests of a test binary: started on
// first use, closed by Run after the tests. Each test gets its own tab from
// Page. Typical use:
//
//	var chromium = browser.NewShared(browser.WithWebRTCTesting())
//
//	func TestMain(m *testing.M) { os.Exit(chromium.Run(m)) }
//
//	func TestX(t *testing.T) {
//		page := chromium.Page(t)
//		...
//	}
type Shared struct {
	opts []Option

	mu      sync.Mutex
	browser *Browser
	err     error
}

// NewShared prepares a shared browser started with opts on first use.
func NewShared(opts ...Option) *Shared { return &Shared{opts: opts} }

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
func (s *Shared) Browser(t testing.TB) *Browser {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.browser == nil && s.err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s.browser, s.err = Launch(ctx, s.opts...)
		cancel()
	}
	if s.err != nil {
		skipOrFail(t, s.err)
	}
	return s.browser
}

// Page opens a tab for t in the shared browser; see TestPage.
func (s *Shared) Page(t testing.TB) *Page {
	t.Helper()
	return TestPage(t, s.Browser(t))
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
func LaunchForTest(t testing.TB, opts ...Option) *Browser {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := Launch(ctx, opts...)
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

// TestPage opens a tab in b for t. When t ends the tab is closed; before
// that, an uncaught JavaScript exception in the page fails t (unless
// AllowExceptions was called), and when t failed a screenshot and the
// console log are saved under <module root>/testdata/failures/<TestName>/.
func TestPage(t testing.TB, b *Browser) *Page {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	p, err := b.NewPage(ctx)
	if err != nil {
		t.Fatalf("open page: %v", err)
	}
	label := b.pageLabel(t.Name())
	t.Cleanup(func() {
		if !p.exceptionsAllowed() {
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

// AllowExceptions stops TestPage from failing the test on uncaught
// JavaScript exceptions (for tests that provoke them).
func (p *Page) AllowExceptions() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.allowExceptions = true
}

func (p *Page) exceptionsAllowed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.allowExceptions
}

// SaveFailureArtifacts writes page.png (if a screenshot can be taken) and
// page.console.log of p into <module root>/testdata/failures/<name>/ and
// returns the folder. TestPage names the second page of a test page-2 and
// so on.
func SaveFailureArtifacts(name string, p *Page) (string, error) {
	return saveFailureArtifacts(name, "page", p)
}

// pageLabel names the n-th page a test opens: "page", "page-2", "page-3" …
func (b *Browser) pageLabel(test string) string {
	b.labelsMu.Lock()
	defer b.labelsMu.Unlock()
	if b.labels == nil {
		b.labels = make(map[string]int)
	}
	b.labels[test]++
	if n := b.labels[test]; n > 1 {
		return fmt.Sprintf("page-%d", n)
	}
	return "page"
}

func saveFailureArtifacts(name, label string, p *Page) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "testdata", "failures", sanitize(name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if p.ctx.Err() != nil {
		// The test closed the page itself; only its console is left.
	} else if png, err := p.Screenshot(ctx); err != nil {
		errs = append(errs, err)
	} else if err := os.WriteFile(filepath.Join(dir, label+".png"), png, 0o644); err != nil {
		errs = append(errs, fmt.Errorf("write screenshot: %w", err))
	}
	log := p.ConsoleText()
	if out := p.browser.Output(); out != "" {
		log += "\n--- chromium output (tail) ---\n" + out
	}
	if err := os.WriteFile(filepath.Join(dir, label+".console.log"), []byte(log), 0o644); err != nil {
		errs = append(errs, fmt.Errorf("write console log: %w", err))
	}
	return dir, errors.Join(errs...)
}

func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNoChromium) && !envBool(EnvRequireBrowser) {
		t.Skipf("skipping browser test: %v (set %s=1 to fail instead)", err, EnvRequireBrowser)
	}
	t.Fatalf("launch chromium: %v", err)
}

// moduleRoot finds the folder with go.mod above the working directory (a
// test's working directory is its package folder).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, name)
}
