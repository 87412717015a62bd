// Package cmd_test checks properties of all binaries under cmd/.
package cmd_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinariesDoNotLinkTesting: no binary links package testing (or its
// subpackages). Test helpers belong in packages that only tests import,
// such as harness/browser/browsertest. It checks the host build and the
// Raspberry Pi build (no cgo).
func TestBinariesDoNotLinkTesting(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, build := range []struct {
		name string
		env  []string
	}{
		{"host", nil},
		{"pi", []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64"}},
	} {
		t.Run(build.name, func(t *testing.T) {
			// One line per package that ./... (the binaries) depends on: the
			// package and its direct imports.
			cmd := exec.Command(goTool, "list", "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...")
			cmd.Env = append(os.Environ(), build.env...)
			out, err := cmd.Output()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				err = fmt.Errorf("%w: %s", err, ee.Stderr)
			}
			require.NoError(t, err, "go list")
			var deps []string
			var importers []string
			for line := range strings.Lines(string(out)) {
				f := strings.Fields(line)
				if len(f) == 0 {
					continue
				}
				deps = append(deps, f[0])
				if slices.ContainsFunc(f[1:], isTesting) {
					importers = append(importers, f[0])
				}
			}
			require.Contains(t, deps, "echtzeit/harness", "the listing covers the harness")
			assert.False(t, slices.ContainsFunc(deps, isTesting), "a binary links package testing")
			assert.Empty(t, importers, "packages of the binaries that import testing")
		})
	}
}

func isTesting(pkg string) bool { return pkg == "testing" || strings.HasPrefix(pkg, "testing/") }
