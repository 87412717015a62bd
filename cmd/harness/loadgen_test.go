package main

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/loadgen"
	"echtzeit/signaling/signalingtest"
)

// TestLoadgenCommand runs `harness loadgen --json` against a real server and
// reads its phase events and report.
func TestLoadgenCommand(t *testing.T) {
	srv := signalingtest.Start(t)
	var out, errOut strings.Builder
	err := run([]string{"loadgen", "--mode", "steady", "--participants", "4", "--rate", "10", "--settle", "0s",
		"--duration", "500ms", "--tls-fingerprint", srv.Fingerprint, "--sources", "127.0.0.2-127.0.0.3", "--json", srv.WSURL},
		&out, &errOut)
	require.NoError(t, err, errOut.String())
	var phases []string
	var rep *loadgen.Report
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		var line struct {
			Event  string          `json:"event"`
			Phase  string          `json:"phase"`
			Report *loadgen.Report `json:"report"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), sc.Text())
		switch line.Event {
		case loadgen.EventPhaseEnd:
			phases = append(phases, line.Phase)
		case "report":
			rep = line.Report
		}
	}
	assert.Equal(t, []string{loadgen.PhaseConnect, loadgen.PhaseSteady, loadgen.PhaseDrain}, phases)
	require.NotNil(t, rep)
	assert.Equal(t, 4, rep.Connected)
	assert.Positive(t, rep.MessagesDelivered)
	assert.Equal(t, 2, rep.Sources)

	for _, bad := range [][]string{
		{"loadgen"},
		{"loadgen", "--mode", "busy", srv.WSURL},
		{"loadgen", "--sources", "x", srv.WSURL},
		{"loadgen", "--server-pid", "1", "--metrics-url", "http://x/metrics", srv.WSURL},
		{"loadgen", "--server-pid", "1,x", srv.WSURL},
	} {
		assert.Error(t, run(bad, &out, &errOut), bad)
	}
}
