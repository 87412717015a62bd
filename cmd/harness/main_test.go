package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	}{
		{name: "help", args: []string{"--help"}, wantOut: "validate FILE"},
		{name: "run help", args: []string{"run", "--help"}, help: true},
		{name: "no command", args: nil, wantErr: "no command"},
		{name: "unknown command", args: []string{"measure"}, wantErr: `unknown command "measure"`},
		{name: "validate shipped", args: []string{"validate", "../../scenarios/quick.yaml"}, wantOut: `valid scenario "quick", 5 trials`},
		{name: "validate bad", args: []string{"validate", bad}, wantErr: "line 4: 'trials[0].resolutions': resolution \"640x48O\""},
		{name: "validate missing", args: []string{"validate", filepath.Join(dir, "none.yaml")}, wantErr: "no such file"},
		{name: "run without file", args: []string{"run", "--bin", dir}, wantErr: "exactly one scenario FILE"},
		{name: "report of nothing", args: []string{"report", filepath.Join(dir, "none")}, wantErr: "render"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut strings.Builder
			err := run(tc.args, &out, &errOut)
			switch {
			case tc.help:
				assert.True(t, errors.Is(err, flag.ErrHelp), "err = %v", err)
				assert.Contains(t, errOut.String(), "Usage: harness run")
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
