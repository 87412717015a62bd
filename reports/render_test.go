package reports

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/results"
)

var update = flag.Bool("update", false, "rewrite testdata/report.golden.md from the fixture")

const goldenReport = "testdata/report.golden.md"

// copyRun copies the raw files of a run folder into a fresh temporary folder,
// so rendering never writes into testdata.
func copyRun(t *testing.T, from string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{results.FileScenario, results.FileEnvironment, results.FileTrials, results.FileSamples, results.FileLog} {
		data, err := os.ReadFile(filepath.Join(from, name))
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	return dir
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

func TestRenderGolden(t *testing.T) {
	dir := copyRun(t, fixtureDir)
	require.NoError(t, Render(dir))
	got := readFile(t, filepath.Join(dir, FileMarkdown))
	if *update {
		require.NoError(t, os.WriteFile(goldenReport, got, 0o644))
	}
	want := readFile(t, goldenReport)
	assert.Equal(t, string(want), string(got), "report.md differs from %s; rerun with -update if the change is intended", goldenReport)
}
