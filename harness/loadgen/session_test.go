package loadgen

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/protocol"
)

// TestSessionScript checks each side's signals: the recorded description, ten
// distinct candidates of Chromium's form and sizes, then end of candidates.
func TestSessionScript(t *testing.T) {
	s, err := loadSessionScript()
	require.NoError(t, err)
	for name, side := range map[string]sessionSignals{"offer": s.offer, "answer": s.answer} {
		t.Run(name, func(t *testing.T) {
			require.Len(t, side, 1+candidatesPerSide+1)
			assert.Equal(t, kindDescription, classify(side[0]))
			assert.Equal(t, kindEndOfCandidates, classify(side[len(side)-1]))
			lines := map[string]bool{}
			types := map[string]int{}
			for _, sig := range side[1 : len(side)-1] {
				require.Equal(t, kindCandidate, classify(sig))
				var p protocol.Payload
				require.NoError(t, json.Unmarshal(sig, &p))
				var c protocol.ICECandidate
				require.NoError(t, json.Unmarshal(p.Candidate, &c))
				f := strings.Fields(c.Candidate)
				require.GreaterOrEqual(t, len(f), 8, c.Candidate)
				assert.False(t, lines[c.Candidate], "duplicate %q", c.Candidate)
				lines[c.Candidate] = true
				types[f[2]+" "+f[7]]++
				assert.NotNil(t, c.SDPMid)
				assert.NotNil(t, c.UsernameFragment)
				// Chromium's candidate signals are 180 to 230 bytes.
				assert.InDelta(t, 205, len(sig), 25, "%s", sig)
			}
			assert.Equal(t, map[string]int{"udp host": 4, "tcp host": 4, "udp srflx": 2}, types)
		})
	}
}
