package harness

import (
	"context"
	"log/slog"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServersPresentTheRunCertificate: a server the harness starts with the
// run's certificate presents it (the run's Chromium trusts that key, and so
// caches the page, DESIGN.md "Setup phases"); without it the server makes
// its own.
func TestServersPresentTheRunCertificate(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "signaling")
	build := exec.Command("go", "build", "-o", bin, "./cmd/signaling")
	build.Dir = ".."
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	cert, err := writeCertificate(t.TempDir())
	require.NoError(t, err)
	require.NotEmpty(t, cert.spki)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logger := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		name string
		cert *certificate
		same bool
	}{
		{"with the run's certificate", &cert, true},
		{"without", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ep, err := startSignaling(ctx, bin, signalingConfig{capacity: 2, cert: tc.cert}, signalingPlace{}, logger)
			require.NoError(t, err)
			t.Cleanup(func() { assert.NoError(t, ep.stop()) })
			assert.Equal(t, tc.same, ep.fingerprint == cert.fp, "the server's certificate is the run's")
		})
	}
	r := &runner{cert: &cert}
	assert.Len(t, r.browserTrust(), 1, "the run's Chromium trusts the run's key")
	assert.Empty(t, (&runner{}).browserTrust())
}
