package client_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestTLSVerification covers the ways a client trusts (or refuses) the server's
// certificate.
func TestTLSVerification(t *testing.T) {
	srv := signalingtest.Start(t)
	other := signalingtest.Start(t) // a different self-signed certificate
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello"), 0o600))
	wrongFP := strings.Repeat("ab", 32)
	colonFP := strings.ToUpper(strings.Join(splitPairs(srv.Fingerprint), ":"))

	tests := []struct {
		name    string
		url     string
		opts    []client.Option
		wantErr error  // errors.Is target, or nil
		errText string // substring; "" and wantErr nil means success
	}{
		{name: "CA file", opts: []client.Option{client.WithCAFile(srv.CertFile)}},
		{name: "CA file via localhost", url: strings.Replace(srv.WSURL, "127.0.0.1", "localhost", 1), opts: []client.Option{client.WithCAFile(srv.CertFile)}},
		{name: "CA file of another server", opts: []client.Option{client.WithCAFile(other.CertFile)}, errText: "certificate"},
		{name: "CA file missing", opts: []client.Option{client.WithCAFile(filepath.Join(dir, "missing.pem"))}, wantErr: os.ErrNotExist},
		{name: "CA file without PEM", opts: []client.Option{client.WithCAFile(notPEM)}, errText: "no PEM certificate"},
		{name: "pinned fingerprint", opts: []client.Option{client.WithFingerprint(srv.Fingerprint)}},
		{name: "pinned fingerprint with colons", opts: []client.Option{client.WithFingerprint(colonFP)}},
		{name: "wrong fingerprint", opts: []client.Option{client.WithFingerprint(wrongFP)}, wantErr: client.ErrFingerprintMismatch},
		{name: "other server's fingerprint", opts: []client.Option{client.WithFingerprint(other.Fingerprint)}, wantErr: client.ErrFingerprintMismatch},
		{name: "malformed fingerprint", opts: []client.Option{client.WithFingerprint("xyz")}, errText: "not a SHA-256"},
		{name: "insecure", opts: []client.Option{client.WithInsecureSkipVerify()}},
		{name: "TLS config", opts: []client.Option{client.WithTLSConfig(srv.TLSConfig)}},
		{name: "nil TLS config", opts: []client.Option{client.WithTLSConfig(nil)}, errText: "nil TLS config"},
		{name: "no trust configured", errText: "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			url := srv.WSURL
			if tt.url != "" {
				url = tt.url
			}
			c, err := client.Dial(ctx, url, tt.opts...)
			if tt.wantErr == nil && tt.errText == "" {
				require.NoError(t, err)
				require.NoError(t, c.ID().Validate())
				require.NoError(t, c.Close())
				return
			}
			require.Error(t, err)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
			}
			assert.Contains(t, err.Error(), tt.errText)
			if tt.name == "CA file of another server" || tt.name == "no trust configured" {
				var ua x509.UnknownAuthorityError
				assert.ErrorAs(t, err, &ua)
			}
		})
	}
}

func splitPairs(s string) []string {
	var out []string
	for i := 0; i+2 <= len(s); i += 2 {
		out = append(out, s[i:i+2])
	}
	return out
}

func TestParseFingerprint(t *testing.T) {
	good := strings.Repeat("0f", 32)
	for _, s := range []string{good, strings.ToUpper(good), " " + good + " ", strings.Join(splitPairs(good), ":")} {
		fp, err := client.ParseFingerprint(s)
		require.NoError(t, err, s)
		assert.Equal(t, byte(0x0f), fp[31])
	}
	for _, s := range []string{"", "0f", good + "0f", strings.Repeat("zz", 32)} {
		_, err := client.ParseFingerprint(s)
		assert.Error(t, err, s)
	}
}

// TestLifecycle: Send and Receive after Close fail with ErrClosed, Receive
// honours its context, and the server's close reaches Err as a CloseError.
func TestLifecycle(t *testing.T) {
	ctx := testCtx(t)
	srv := signalingtest.Start(t)
	c, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig))
	require.NoError(t, err)

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = c.Receive(short)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close twice")
	<-c.Done()
	require.ErrorIs(t, c.Send(ctx, protocol.Leave{}), client.ErrClosed)
	_, err = c.Receive(ctx)
	require.ErrorIs(t, err, client.ErrClosed)

	// A protocol violation: the Error comes first, then a CloseError that
	// carries it.
	v, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig))
	require.NoError(t, err)
	defer v.Close()
	require.NoError(t, v.Signal(ctx, "", json.RawMessage(`{}`)))
	m, err := v.Receive(ctx)
	require.NoError(t, err)
	assert.Equal(t, protocol.CodeProtocolViolation, m.(protocol.Error).Code)
	_, err = v.Receive(ctx)
	var ce *client.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 1008, ce.Code)
	require.NotNil(t, ce.LastError)
	assert.Equal(t, protocol.CodeProtocolViolation, ce.LastError.Code)
	assert.True(t, errors.As(v.Err(), &ce))

	// An invalid message is refused before it reaches the wire.
	w, err := client.Dial(ctx, srv.WSURL, client.WithTLSConfig(srv.TLSConfig))
	require.NoError(t, err)
	defer w.Close()
	require.Error(t, w.Send(ctx, protocol.JoinOrCreate{Room: "x"}))
	_, err = w.Join(ctx, protocol.NewRoomID())
	require.NoError(t, err, "the connection is still fine")
}
