package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
)

// buildBinary builds cmd/signaling once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "signaling")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// startBinary runs the binary and returns the values of its start log lines.
func startBinary(ctx context.Context, t *testing.T, bin string, args ...string) (*exec.Cmd, map[string]string, <-chan string) {
	t.Helper()
	return startCmd(t, exec.CommandContext(ctx, bin, args...))
}

// startCmd starts cmd (the binary) and returns the values of its start log lines.
func startCmd(t *testing.T, cmd *exec.Cmd) (*exec.Cmd, map[string]string, <-chan string) {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 1000)
	vals := map[string]string{}
	sc := bufio.NewScanner(stderr)
	kv := regexp.MustCompile(`(\w+)=("[^"]*"|\S+)`)
	for sc.Scan() {
		l := sc.Text()
		select { // the start lines are kept as well
		case lines <- l:
		default:
		}
		for _, m := range kv.FindAllStringSubmatch(l, -1) {
			vals[m[1]] = strings.Trim(m[2], `"`)
		}
		if strings.Contains(l, "signaling server listening") {
			break
		}
	}
	go func() {
		defer close(lines)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	require.NotEmpty(t, vals["addr"], "no listening line in the log")
	return cmd, vals, lines
}

func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bin := buildBinary(t)

	t.Run("help", func(t *testing.T) {
		out, err := exec.CommandContext(ctx, bin, "--help").CombinedOutput()
		require.NoError(t, err)
		for _, flag := range []string{"-addr", "-plain", "-tls-cert", "-tls-key", "-tls-host", "-room-capacity", "-allowed-origins", "-max-conns", "-log-level",
			"-max-conns-per-ip", "-join-timeout", "-metrics-addr", "-pprof", "-gc-percent", "-cluster-listen", "-cluster-client-listen"} {
			assert.Contains(t, string(out), flag)
		}
	})
	t.Run("bad flags", func(t *testing.T) {
		for _, args := range [][]string{{"--nope"}, {"--log-level", "loud"}, {"--plain", "--tls-cert", "x"}, {"--tls-cert", "x"}, {"--room-capacity", "0"}, {"--max-conns", "-1"}, {"extra"},
			{"--pprof"}, {"--join-timeout", "0s"}, {"--max-conns-per-ip", "-1"}, {"--gc-percent", "0"},
			{"--cluster-client-listen", "127.0.0.1:0"}, {"--cluster-routes", "nats-route://127.0.0.1:1"}} {
			runCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			err := exec.CommandContext(runCtx, bin, args...).Run()
			cancel()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "%v", args)
			assert.Equal(t, 1, ee.ExitCode(), "%v", args)
		}
	})
	t.Run("plain", func(t *testing.T) {
		cmd, vals, _ := startBinary(ctx, t, bin, "--plain", "--addr", "127.0.0.1:0")
		base := "http://" + vals["addr"]
		for path, want := range map[string]string{"/healthz": "ok", "/metrics": "echtzeit_signaling_connections", "/": "<html"} {
			resp, err := http.Get(base + path)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, path)
			assert.Contains(t, string(body), want, path)
		}
		c, err := client.Dial(ctx, "ws://"+vals["addr"]+"/ws")
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Join(ctx, protocol.NewRoomID())
		require.NoError(t, err)

		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		_, err = c.Receive(ctx)
		var ce *client.CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, websocket.CloseGoingAway, ce.Code)
		require.NoError(t, cmd.Wait(), "exit status after SIGTERM")
	})
	t.Run("metrics on their own listener", func(t *testing.T) {
		_, vals, _ := startBinary(ctx, t, bin, "--plain", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--pprof")
		metricsURL := vals["metrics"]
		require.NotEmpty(t, metricsURL)
		for url, want := range map[string]int{
			"http://" + vals["addr"] + "/metrics": http.StatusNotFound, // not on the public port
			metricsURL:                            http.StatusOK,
			strings.TrimSuffix(metricsURL, "metrics") + "debug/pprof/": http.StatusOK,
		} {
			resp, err := http.Get(url)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, want, resp.StatusCode, url)
		}
	})
	t.Run("self-signed TLS", func(t *testing.T) {
		_, vals, _ := startBinary(ctx, t, bin, "--addr", "127.0.0.1:0", "--tls-host", "cam.example,10.1.2.3")
		require.Len(t, vals["sha256"], 64)
		c, err := client.Dial(ctx, "wss://"+vals["addr"]+"/ws", client.WithFingerprint(vals["sha256"]))
		require.NoError(t, err)
		require.NoError(t, c.Close())
		_, err = client.Dial(ctx, "wss://"+vals["addr"]+"/ws", client.WithFingerprint(strings.Repeat("00", 32)))
		require.True(t, errors.Is(err, client.ErrFingerprintMismatch), "%v", err)
	})
	t.Run("certificate files", func(t *testing.T) {
		cert, err := server.SelfSignedCertificate()
		require.NoError(t, err)
		certPEM, err := server.CertificatePEM(cert)
		require.NoError(t, err)
		keyPEM, err := server.PrivateKeyPEM(cert)
		require.NoError(t, err)
		dir := t.TempDir()
		certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		require.NoError(t, os.WriteFile(certFile, certPEM, 0o600))
		require.NoError(t, os.WriteFile(keyFile, keyPEM, 0o600))
		_, vals, _ := startBinary(ctx, t, bin, "--addr", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
		assert.Equal(t, server.Fingerprint(cert), vals["sha256"])
		c, err := client.Dial(ctx, "wss://"+vals["addr"]+"/ws", client.WithCAFile(certFile))
		require.NoError(t, err)
		require.NoError(t, c.Close())
	})
}
