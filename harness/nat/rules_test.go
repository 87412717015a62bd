package nat

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRules(t *testing.T) {
	r := Router{Outside: "acc0", Inside: "lan0", Service: netip.MustParseAddr("10.77.0.1")}
	for _, tc := range []struct {
		t        Type
		want     []string
		wantNone []string
	}{
		{Cone, []string{`oifname "acc0" masquerade` + "\n", `iifname "acc0" ct state established,related accept`, `policy drop`}, []string{"fully-random", "l4proto"}},
		{Symmetric, []string{`oifname "acc0" masquerade fully-random`}, []string{"l4proto"}},
		{UDPBlocked, []string{`iifname "lan0" ip daddr 10.77.0.1 meta l4proto tcp accept`, `iifname "lan0" drop`}, []string{"fully-random"}},
	} {
		t.Run(tc.t.String(), func(t *testing.T) {
			rules, err := r.Rules(tc.t)
			require.NoError(t, err)
			for _, w := range tc.want {
				assert.Contains(t, rules, w)
			}
			for _, w := range tc.wantNone {
				assert.NotContains(t, rules, w)
			}
			checkSyntax(t, rules)
		})
	}
	none, err := r.Rules(None)
	require.NoError(t, err)
	assert.Empty(t, none)
	_, err = Router{Outside: "acc0", Inside: "lan0"}.Rules(UDPBlocked)
	assert.Error(t, err, "udp-blocked needs the service address")
	_, err = Router{Outside: "x", Inside: "x"}.Rules(Cone)
	assert.Error(t, err)
	_, err = r.Rules(Unknown)
	assert.Error(t, err)
}

// checkSyntax lets nft parse the rules without applying them (nft -c), when
// nft is installed (scripts/install-deps.sh installs it).
func checkSyntax(t *testing.T, rules string) {
	t.Helper()
	nft, err := exec.LookPath("nft")
	if err != nil {
		t.Log("nft not installed: syntax not checked")
		return
	}
	f := filepath.Join(t.TempDir(), "rules.nft")
	require.NoError(t, os.WriteFile(f, []byte(rules), 0o600))
	out, err := exec.Command(nft, "-c", "-f", f).CombinedOutput()
	if err != nil && (strings.Contains(string(out), "Operation not permitted") || strings.Contains(string(out), "cache initialization failed")) {
		t.Logf("nft -c needs privileges here: %s", out)
		return
	}
	require.NoError(t, err, "nft -c: %s\n%s", out, rules)
}
