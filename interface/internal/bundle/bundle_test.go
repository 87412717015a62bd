package bundle_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/interface/internal/bundle"
)

const static = "../../static"

// TestBundleUpToDate: the committed bundle.js is what the modules build to
// now. A module changed without `go generate ./interface` fails here.
func TestBundleUpToDate(t *testing.T) {
	want, err := bundle.Build(static)
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(static, bundle.Output))
	require.NoError(t, err)
	assert.True(t, string(got) == string(want),
		"interface/static/%s is stale: run `go generate ./interface` and commit it", bundle.Output)
}

// TestBundleContents: every module of the page is inside, loaded on demand
// ones too; the early socket is imported by URL, not copied.
func TestBundleContents(t *testing.T) {
	out, err := bundle.Build(static)
	require.NoError(t, err)
	src := string(out)
	for _, name := range []string{"app.js", "ui.js", "signaling.js", "servers.js", "stats.js", "framecode.js", "ice.js",
		"chart.js", "ids.js", "quality.js", "canvassource.js"} {
		assert.Contains(t, src, "// "+name, "module %s", name)
	}
	assert.Contains(t, src, `from "./earlysocket.js"`)
	assert.NotContains(t, src, "// earlysocket.js", "the early socket is one module instance, not a copy")
	assert.NotContains(t, src, "import(", "no request on demand")
	assert.True(t, strings.HasPrefix(src, "// Generated"))
}

// TestBuildError names the file and line of a module that does not parse.
func TestBuildError(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, bundle.Entry), []byte("import { x } from \"./gone.js\";\nx(;\n"), 0o600))
	_, err := bundle.Build(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "main.js:2")
}
