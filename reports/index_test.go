package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/results"
)

func TestRenderIndex(t *testing.T) {
	runs := t.TempDir()
	copyRunTo(t, fixtureDir, mkdir(t, runs, "20261125T220000Z-fixture"))
	b := mkdir(t, runs, "20261125T230000Z-fixture")
	copyRunTo(t, fixtureDirB, b)
	require.NoError(t, Render(b))
	broken := mkdir(t, runs, "20261126T000000Z-broken")
	require.NoError(t, os.WriteFile(filepath.Join(broken, results.FileEnvironment), []byte("{"), 0o644))
	mkdir(t, runs, "not-a-run")

	require.NoError(t, RenderIndex(runs))
	page := string(readFile(t, filepath.Join(runs, FileIndex)))
	assert.Contains(t, page, `<a href="20261125T230000Z-fixture/report.html">20261125T230000Z-fixture</a>`, "rendered run links its report")
	assert.Contains(t, page, "<td>20261125T220000Z-fixture</td>", "a run without a report is listed unlinked")
	assert.NotContains(t, page, "not-a-run")
	assert.Contains(t, page, "20261126T000000Z-broken")
	assert.Contains(t, page, "environment.json", "the broken run says why")
	// Newest first: B (23:00) before A (22:00).
	assert.Less(t, strings.Index(page, "20261125T230000Z-fixture"), strings.Index(page, "20261125T220000Z-fixture"))
	assert.Contains(t, page, "<td class=\"num\">49 / 52</td>")
	assert.Contains(t, page, "111111111111")
}

func mkdir(t *testing.T, parts ...string) string {
	t.Helper()
	dir := filepath.Join(parts...)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}
