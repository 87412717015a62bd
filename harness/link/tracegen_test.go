package link

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var regen = flag.Bool("regen", false, "rewrite the shipped traces in testdata/traces from the generator")

// shippedTraces are the traces in the repository's testdata/traces, with
// how they were made (README "Network profiles").
var shippedTraces = []struct {
	file string
	mean Bitrate
	seed uint64
}{
	{"lte-down.trace", 4e6, 1},
	{"lte-up.trace", 2e6, 2},
}

const tracesDir = "../../testdata/traces"

// TestShippedTracesAreGenerated checks that each shipped trace is exactly
// what GenerateTrace makes of its shape and seed; -regen rewrites them.
func TestShippedTracesAreGenerated(t *testing.T) {
	for _, st := range shippedTraces {
		tr := GenerateTrace(st.file, LTEShape(st.mean, 30*time.Second), st.seed)
		var buf bytes.Buffer
		require.NoError(t, tr.Format(&buf))
		path := filepath.Join(tracesDir, st.file)
		if *regen {
			require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		}
		got, err := os.ReadFile(path)
		require.NoError(t, err, "run go test ./harness/link -run TestShippedTraces -regen")
		assert.Equal(t, buf.String(), string(got), "%s differs from the generator's output", st.file)

		parsed, err := ParseTrace(st.file, bytes.NewReader(got))
		require.NoError(t, err)
		t.Logf("%s: %d opportunities in %s, mean %s", st.file, len(parsed.Ms), parsed.Period(), Bitrate(parsed.MeanRate()))
		assert.Equal(t, 30*time.Second, parsed.Period())
		assert.InEpsilon(t, float64(st.mean), parsed.MeanRate(), 0.5, "mean rate near the shape's")
	}
}

func TestGenerateTraceVaries(t *testing.T) {
	tr := GenerateTrace("x", LTEShape(4e6, 30*time.Second), 1)
	p := &Profile{Up: Params{Trace: tr}}
	lo, hi := 1e18, 0.0
	for s := time.Duration(0); s < 30*time.Second; s += time.Second {
		c, ok := p.Capacity(Up, 0, s, s+time.Second)
		require.True(t, ok)
		lo, hi = min(lo, c), max(hi, c)
	}
	t.Logf("capacity per second from %s to %s", Bitrate(lo), Bitrate(hi))
	assert.Greater(t, hi/lo, 2.0, "the capacity varies over the pass")
	again := GenerateTrace("x", LTEShape(4e6, 30*time.Second), 1)
	assert.Equal(t, tr.Ms, again.Ms, "same seed, same trace")
}
