package client

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTLSFlags(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "x.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))
	fp := strings.Repeat("ab", 32)
	tests := []struct {
		name  string
		args  []string
		n     int
		error string
	}{
		{"none", nil, 0, ""},
		{"fingerprint", []string{"--tls-fingerprint", fp}, 1, ""},
		{"insecure", []string{"--tls-insecure"}, 1, ""},
		{"bad fingerprint", []string{"--tls-fingerprint", "xyz"}, 0, "--tls-fingerprint"},
		{"missing CA", []string{"--tls-ca", filepath.Join(dir, "missing.pem")}, 0, "--tls-ca"},
		{"CA without PEM", []string{"--tls-ca", notPEM}, 0, "no PEM certificate"},
		{"two at once", []string{"--tls-insecure", "--tls-fingerprint", fp}, 0, "exclude each other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f TLSFlags
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			f.Register(fs)
			require.NoError(t, fs.Parse(tt.args))
			opts, err := f.Options()
			if tt.error != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.error)
				return
			}
			require.NoError(t, err)
			assert.Len(t, opts, tt.n)
		})
	}
}
