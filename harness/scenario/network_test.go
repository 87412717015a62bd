package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/link"
)

const withNetworks = `name: n
networks:
  slow:
    up: 500kbit
    delay: 30ms
    down-trace: lte.trace
    schedule:
      - at: 5s
        loss: 2%
trials:
  - kind: camera-to-browser
    resolutions: [640x480]
    networks: [lan, 3g, slow]
  - kind: browser-to-browser
    resolutions: [640x480]
    viewer-networks: [4g]
  - kind: camera-to-browser
    resolutions: [640x480]
`

func TestNetworkAxes(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lte.trace"), []byte("1\n2\n4\n"), 0o644))
	path := filepath.Join(dir, "n.yaml")
	require.NoError(t, os.WriteFile(path, []byte(withNetworks), 0o644))
	s, err := Load(path)
	require.NoError(t, err)
	specs := s.Expand()
	require.Len(t, specs, 3+1+1)
	var nets [][2]string
	for _, sp := range specs {
		nets = append(nets, [2]string{sp.Params.Network, sp.Params.ViewerNetwork})
	}
	assert.Equal(t, [][2]string{{"lan", "lan"}, {"3g", "lan"}, {"slow", "lan"}, {"lan", "4g"}, {"", ""}}, nets)
	assert.Contains(t, specs[1].Name(), "over 3g #1")
	assert.Contains(t, specs[3].Name(), "over lan/4g #1")
	assert.NotContains(t, specs[4].Name(), "over")
	assert.Greater(t, specs[1].Estimate(), specs[4].Estimate(), "a network costs setup time")

	slow, err := s.Profile("slow")
	require.NoError(t, err)
	require.NotNil(t, slow.Down.Trace, "the trace is read from the scenario's folder")
	assert.Equal(t, link.Bitrate(500e3), slow.Up.Rate, "the up direction keeps its rate")
	require.Len(t, slow.Schedule, 1)
	assert.Equal(t, 5*time.Second, slow.Schedule[0].At)
	g3, err := s.Profile("3g")
	require.NoError(t, err)
	assert.Equal(t, link.Bitrate(768e3), g3.Up.Rate)
}

func TestNetworkProblems(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown profile", "trials:\n  - kind: camera-to-browser\n    resolutions: [640x480]\n    networks: [5g]\n",
			"line 4: 'trials[0].networks[0]' is not a network profile"},
		{"twice", "trials:\n  - kind: camera-to-browser\n    resolutions: [640x480]\n    networks: [3g, 3g]\n",
			"'trials[0].networks[1]' names \"3g\" twice"},
		{"load with networks", "trials:\n  - kind: signaling-load\n    participants: [2]\n    networks: [3g]\n",
			"'trials[0].networks' does not apply to signaling-load trials"},
		{"shadowing a built-in", "networks:\n  3g: {up: 1Mbit}\ntrials:\n  - kind: camera-to-browser\n    resolutions: [640x480]\n",
			"line 2: 'networks.3g' is a built-in profile"},
		{"bad profile", "networks:\n  mine: {jitter: 5ms}\ntrials:\n  - kind: camera-to-browser\n    resolutions: [640x480]\n",
			"line 2: 'networks.mine' 'jitter' (5ms) must not exceed 'delay' (0s)"},
		{"unknown profile key", "networks:\n  mine: {bandwidth: 5ms}\ntrials:\n  - kind: camera-to-browser\n    resolutions: [640x480]\n",
			"field bandwidth not found"},
		{"missing trace", "networks:\n  mine: {trace: nowhere.trace}\ntrials:\n  - kind: camera-to-browser\n    resolutions: [640x480]\n",
			"'networks.mine' 'trace' open trace"},
		{"remote camera", "signaling: {url: 'wss://pi:8443/ws', insecure: true}\ncamera: {remote: true, room: '" + strings.Repeat("a", 64) + "'}\ntrials:\n  - kind: camera-to-browser\n    resolutions: [640x480]\n    networks: [3g]\n",
			"a remote camera is not in the emulated network"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Decode([]byte(tc.yaml))
			if err == nil {
				s.Dir = t.TempDir()
				err = s.Validate()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
