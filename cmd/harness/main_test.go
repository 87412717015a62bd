package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The reports package's fixture runs: B has known regressions against A.
var (
	fixtureA = filepath.Join("..", "..", "reports", "testdata", "run-fixture")
	fixtureB = filepath.Join("..", "..", "reports", "testdata", "run-fixture-b")
)

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("name: x\ntrials:\n  - kind: camera-to-browser\n    resolutions: [640x48O]\n"), 0o644))
	tests := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
		help    bool
		helpOf  string
	}{
		{name: "help", args: []string{"--help"}, wantOut: "validate FILE"},
		{name: "run help", args: []string{"run", "--help"}, help: true},
		{name: "no command", args: nil, wantErr: "no command"},
		{name: "unknown command", args: []string{"measure"}, wantErr: `unknown command "measure"`},
		{name: "validate shipped", args: []string{"validate", "../../scenarios/quick.yaml"}, wantOut: `valid scenario "quick", 10 trials`},
		{name: "validate bad", args: []string{"validate", bad}, wantErr: "line 4: 'trials[0].resolutions': resolution \"640x48O\""},
		{name: "validate missing", args: []string{"validate", filepath.Join(dir, "none.yaml")}, wantErr: "no such file"},
		{name: "run without file", args: []string{"run", "--bin", dir}, wantErr: "exactly one scenario FILE"},
		{name: "report of nothing", args: []string{"report", filepath.Join(dir, "none")}, wantErr: "render"},
		{name: "report all of nothing", args: []string{"report", "--all", filepath.Join(dir, "none")}, wantErr: "runs folder"},
		{name: "compare help", args: []string{"compare", "--help"}, help: true, helpOf: "compare"},
		{name: "compare one run", args: []string{"compare", fixtureA}, wantErr: "two run folders"},
		{name: "compare regression", args: []string{"compare", "--out", filepath.Join(dir, "cmp1"), fixtureA, fixtureB},
			wantOut: "2 regressions"},
		{name: "compare fails on regression", args: []string{"compare", "--fail-on-regression", "--out", filepath.Join(dir, "cmp2"), fixtureA, fixtureB},
			wantErr: "regression: 2 figures got worse", wantOut: "worse: camera-to-browser 1280x720 vp8 synthetic 30fps: fps"},
		{name: "compare same run passes", args: []string{"compare", "--fail-on-regression", "--out", filepath.Join(dir, "cmp3"), fixtureA, fixtureA},
			wantOut: "0 regressions"},
		{name: "compare missing run", args: []string{"compare", fixtureA, filepath.Join(dir, "none")}, wantErr: "compare"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut strings.Builder
			err := run(tc.args, &out, &errOut)
			switch {
			case tc.help:
				assert.True(t, errors.Is(err, flag.ErrHelp), "err = %v", err)
				of := tc.helpOf
				if of == "" {
					of = "run"
				}
				assert.Contains(t, errOut.String(), "Usage: harness "+of)
			case tc.wantErr != "":
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
			default:
				require.NoError(t, err)
			}
			if tc.wantOut != "" {
				assert.Contains(t, out.String(), tc.wantOut)
			}
		})
	}
}

func TestParseInterleaved(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	bin := fs.String("bin", "", "")
	out := fs.String("out", "", "")
	pos, err := parseInterleaved(fs, []string{"--bin", "b", "file.yaml", "--out", "o"})
	require.NoError(t, err)
	assert.Equal(t, []string{"file.yaml"}, pos)
	assert.Equal(t, "b", *bin)
	assert.Equal(t, "o", *out)
}

func TestReportAll(t *testing.T) {
	runs := t.TempDir()
	for _, name := range []string{"environment.json", "trials.jsonl", "samples.csv", "scenario.yaml"} {
		data, err := os.ReadFile(filepath.Join(fixtureA, name))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Join(runs, "a"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(runs, "a", name), data, 0o644))
	}
	var out strings.Builder
	require.NoError(t, run([]string{"report", "--all", runs}, &out, io.Discard))
	assert.Contains(t, out.String(), "rendered 1 runs")
	assert.FileExists(t, filepath.Join(runs, "a", "report.html"))
	index, err := os.ReadFile(filepath.Join(runs, "index.html"))
	require.NoError(t, err)
	assert.Contains(t, string(index), `<a href="a/report.html">a</a>`)
}
