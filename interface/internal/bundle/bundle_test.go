package bundle_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/interface/internal/bundle"
)

const static = "../../static"

// TestBundleUpToDate: the committed bundle and its map are what the modules
// build to now. A module changed without `go generate ./interface` fails here.
func TestBundleUpToDate(t *testing.T) {
	want, err := bundle.Build(static)
	require.NoError(t, err)
	for name, content := range map[string][]byte{bundle.Output: want.Script, bundle.SourceMap: want.Map} {
		got, err := os.ReadFile(filepath.Join(static, name))
		require.NoError(t, err)
		assert.True(t, string(got) == string(content),
			"interface/static/%s is stale: run `go generate ./interface` and commit it", name)
	}
}

// TestBundleContents: every module of the page is inside, those loaded on
// demand too; the map names the modules (served under their names) without
// their text.
func TestBundleContents(t *testing.T) {
	f, err := bundle.Build(static)
	require.NoError(t, err)
	var m struct {
		Sources        []string `json:"sources"`
		SourcesContent []string `json:"sourcesContent"`
	}
	require.NoError(t, json.Unmarshal(f.Map, &m))
	assert.ElementsMatch(t, []string{"main.js", "app.js", "ui.js", "signaling.js", "servers.js", "stats.js", "framecode.js",
		"ice.js", "chart.js", "ids.js", "quality.js", "canvassource.js", "pattern.js", "earlysocket.js"}, m.Sources)
	assert.Empty(t, m.SourcesContent)
	for _, name := range m.Sources {
		_, err := os.Stat(filepath.Join(static, name))
		assert.NoError(t, err, "the map's source %s is served", name)
	}
	src := string(f.Script)
	assert.NotContains(t, src, "import ")
	assert.NotContains(t, src, "import(", "nothing fetched on demand")
	assert.True(t, strings.HasPrefix(src, "// Generated"))
	assert.True(t, strings.HasSuffix(strings.TrimSpace(src), "//# sourceMappingURL="+bundle.SourceMap))
}

// TestBuildError names the file and line of a module that does not parse.
func TestBuildError(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, bundle.Entry), []byte("import { x } from \"./gone.js\";\nx(;\n"), 0o600))
	_, err := bundle.Build(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "main.js:2")
}
