package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/turn"
)

func TestBinaryTURN(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bin := buildBinary(t)

	t.Run("bad flags", func(t *testing.T) {
		for _, args := range [][]string{
			{"--turn-listen", "127.0.0.1:0"},                        // no secret
			{"--turn-listen", "0.0.0.0:3478", "--turn-secret", "s"}, // no public IP
			{"--turn-public-ip", "192.0.2.1"},                       // no --turn-listen
			{"--turn-listen", "127.0.0.1:0", "--turn-secret", "s", "--turn-public-ip", "nope"},
			{"--ice-server", "https://example.org"}, // not STUN/TURN
			{"--ice-server", "turn:192.0.2.1:3478"}, // TURN without secret
			{"--turn-listen", "127.0.0.1:0", "--turn-secret", "s", "--turn-ttl", "0s"},
		} {
			runCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			out, err := exec.CommandContext(runCtx, bin, append([]string{"--plain", "--addr", "127.0.0.1:0"}, args...)...).CombinedOutput()
			cancel()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "%v: %s", args, out)
			assert.Equal(t, 1, ee.ExitCode(), "%v", args)
		}
	})
	t.Run("iceservers without turn", func(t *testing.T) {
		_, vals, _ := startBinary(ctx, t, bin, "--plain", "--addr", "127.0.0.1:0", "--ice-server", "stun:stun.example.org:3478")
		var l turn.ICEServers
		require.NoError(t, json.Unmarshal(getBody(t, "http://"+vals["addr"]+turn.Path), &l))
		require.Len(t, l.ICEServers, 1)
		assert.Equal(t, []string{"stun:stun.example.org:3478"}, l.ICEServers[0].URLs)
	})
	t.Run("embedded turn", func(t *testing.T) {
		cmd := exec.CommandContext(ctx, bin, "--plain", "--addr", "127.0.0.1:0", "--turn-listen", "127.0.0.1:0",
			"--ice-server", "turn:coturn.example.org:3478?transport=udp")
		cmd.Env = append(cmd.Environ(), secretEnv+"=from-the-environment")
		_, vals, _ := startCmd(t, cmd)
		var l turn.ICEServers
		require.NoError(t, json.Unmarshal(getBody(t, "http://"+vals["addr"]+turn.Path), &l))
		require.Len(t, l.ICEServers, 4)
		assert.True(t, strings.HasPrefix(l.ICEServers[0].URLs[0], "stun:127.0.0.1:"))
		assert.True(t, strings.HasSuffix(l.ICEServers[1].URLs[0], "?transport=udp"))
		assert.True(t, strings.HasSuffix(l.ICEServers[2].URLs[0], "?transport=tcp"))
		assert.Equal(t, int64(12*3600), l.TTL)
		for _, s := range l.ICEServers[1:] {
			assert.Equal(t, turn.Password("from-the-environment", s.Username), s.Credential, "the external coturn gets the same credentials")
		}
		assert.Contains(t, string(getBody(t, "http://"+vals["addr"]+"/metrics")), "echtzeit_turn_allocations 0")
	})
}

func getBody(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}
