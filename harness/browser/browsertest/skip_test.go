package browsertest_test

import (
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"echtzeit/harness/browser"
	"echtzeit/harness/browser/browsertest"
)

// recorder is a testing.TB that records Skip and Fatal instead of acting on
// the real test.
type recorder struct {
	testing.TB
	mu              sync.Mutex
	skipped, failed bool
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(string, ...any) {
	r.mu.Lock()
	r.skipped = true
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *recorder) Fatalf(string, ...any) {
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *recorder) Cleanup(func()) {}

func TestMissingChromiumSkipsOrFails(t *testing.T) {
	for _, tc := range []struct {
		require     string
		skip, fatal bool
	}{
		{"", true, false},
		{"0", true, false},
		{"1", false, true},
	} {
		t.Run("ECHTZEIT_REQUIRE_BROWSER="+tc.require, func(t *testing.T) {
			t.Setenv(browser.EnvRequireBrowser, tc.require)
			missing := filepath.Join(t.TempDir(), "chromium")
			t.Setenv(browser.EnvChromium, missing)
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				browsertest.NewShared().Browser(r)
			}()
			<-done
			assert.Equal(t, tc.skip, r.skipped, "skipped")
			assert.Equal(t, tc.fatal, r.failed, "failed")
		})
	}
}
