package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot is the module's root folder (this package is cmd/camera).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "Makefile"))
	return root
}

// envWith is the test's environment with the given variables replaced
// (CGO_ENABLED dropped unless given: the check reads the user's choice).
func envWith(vars ...string) []string {
	drop := map[string]bool{"CGO_ENABLED": true, "PKG_CONFIG": true, "CC": true}
	for _, v := range vars {
		drop[strings.SplitN(v, "=", 2)[0]] = true
	}
	var env []string
	for _, e := range os.Environ() {
		if !drop[strings.SplitN(e, "=", 2)[0]] {
			env = append(env, e)
		}
	}
	return append(env, vars...)
}

// pathWithout makes a PATH folder that holds the tools make build and the check
// use, but not pkg-config.
func pathWithout(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, tool := range []string{"bash", "sh", "env", "make", "go", "gcc", "tr", "sed", "dirname"} {
		p, err := exec.LookPath(tool)
		require.NoError(t, err, "the test needs %s", tool)
		require.NoError(t, os.Symlink(p, filepath.Join(dir, tool)))
	}
	return dir
}

// TestBuildDepsHint: make build on a machine without the camera's C libraries
// stops before compiling and says which Debian package is missing and that
// make deps installs it (issue: cgo's "Package 'x264' ... not found" told a new
// user nothing). The libraries are hidden with PKG_CONFIG=false, a PATH
// without pkg-config, or a missing C compiler.
func TestBuildDepsHint(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not installed")
	}
	root := repoRoot(t)
	script := filepath.Join(root, "scripts", "check-build-deps.sh")
	tests := []struct {
		name    string
		cmd     []string
		env     []string
		noPath  bool     // PATH without pkg-config
		want    []string // in the output; empty = silent success
		wantErr bool
	}{
		{"make build, PKG_CONFIG=false", []string{"make", "--no-print-directory", "-C", root, "build"},
			[]string{"PKG_CONFIG=false"}, false, []string{"libvpx-dev", "libx264-dev", "make deps", "CGO_ENABLED=0"}, true},
		{"make build, no pkg-config on PATH", []string{"make", "--no-print-directory", "-C", root, "build"},
			nil, true, []string{"pkg-config", "make deps"}, true},
		{"no C compiler", []string{script}, []string{"CC=/nonexistent/cc"}, false, []string{"gcc", "make deps"}, true},
		{"CGO_ENABLED=0 needs nothing", []string{script}, []string{"CGO_ENABLED=0", "PKG_CONFIG=false"}, false, nil, false},
		{"everything present", []string{script}, nil, false, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(tt.cmd[0], tt.cmd[1:]...)
			cmd.Env = envWith(tt.env...)
			if tt.noPath {
				cmd.Env = append(envWith(tt.env...), "PATH="+pathWithout(t))
			}
			out, err := cmd.CombinedOutput()
			text := string(out)
			if !tt.wantErr {
				require.NoError(t, err, text)
				assert.Empty(t, text, "the check is quiet when it passes")
				return
			}
			require.Error(t, err, text)
			for _, w := range tt.want {
				assert.Contains(t, text, w)
			}
			assert.NotContains(t, text, "go build", "make build stops before compiling")
			assert.NotContains(t, text, "virtual:world", "cgo's own message is not what the user reads")
		})
	}
}
