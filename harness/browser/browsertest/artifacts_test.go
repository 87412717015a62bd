package browsertest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser/browsertest"
)

var chromium = browsertest.NewShared()

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

func TestSaveFailureArtifacts(t *testing.T) {
	page := chromium.Page(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, page.Navigate(ctx, testServer(t, `<!doctype html><p>artifact</p><script>console.warn("for the log")</script>`)))
	require.Eventually(t, func() bool { return strings.Contains(page.ConsoleText(), "for the log") }, 5*time.Second, 50*time.Millisecond)
	dir, err := browsertest.SaveFailureArtifacts(t.Name()+"/sub test", page)
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	assert.Equal(t, "TestSaveFailureArtifacts_sub_test", filepath.Base(dir))
	assert.Equal(t, "failures", filepath.Base(filepath.Dir(dir)))
	log, err := os.ReadFile(filepath.Join(dir, "page.console.log"))
	require.NoError(t, err)
	assert.Contains(t, string(log), "warning: for the log")
	png, err := os.ReadFile(filepath.Join(dir, "page.png"))
	require.NoError(t, err)
	assert.Greater(t, len(png), 100)
}
