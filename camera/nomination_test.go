package camera_test

import (
	"context"
	"math"
	"net"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestControllingAgentNominatesWhenAPairValidates: the camera offers and so
// controls ICE; its agent is pion/ice with the patch in third_party/pion-ice
// (DESIGN.md, "Setup through the relay"). Unpatched, the controlling agent
// nominated only when its task loop ran (every 200 ms while checking), or
// when the controlled agent's check arrived on the best pair still possible;
// that cost every stream through the TURN relay up to 200 ms. Here the
// controlling agent's check interval is an hour, so unpatched pion runs the
// loop only at its 2 s keepalive interval, and it has a remote candidate with
// a higher priority that never answers, so the controlled agent's checks (on
// the working pair) do not make it nominate either. Patched, it nominates one
// round trip after the working pair validated. The deadline of 1 s tells the
// two apart (patched: milliseconds; seen unpatched: 2.01 s).
func TestControllingAgentNominatesWhenAPairValidates(t *testing.T) {
	controlling := newLoopbackAgent(t, ice.WithCheckInterval(time.Hour))
	controlled := newLoopbackAgent(t)
	for _, c := range gatherAll(t, controlled) {
		require.NoError(t, controlling.AddRemoteCandidate(c))
	}
	for _, c := range gatherAll(t, controlling) {
		require.NoError(t, controlled.AddRemoteCandidate(c))
	}
	// TEST-NET-1 (RFC 5737) is not reachable from a loopback socket.
	unreachable, err := ice.NewCandidateHost(&ice.CandidateHostConfig{
		Network: "udp", Address: "192.0.2.1", Port: 9, Component: 1, Priority: math.MaxUint32,
	})
	require.NoError(t, err)
	require.NoError(t, controlling.AddRemoteCandidate(unreachable))
	cUfrag, cPwd, err := controlling.GetLocalUserCredentials()
	require.NoError(t, err)
	dUfrag, dPwd, err := controlled.GetLocalUserCredentials()
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	accepted := make(chan error, 1)
	go func() {
		_, err := controlled.Accept(ctx, cUfrag, cPwd)
		accepted <- err
	}()
	_, err = controlling.Dial(ctx, dUfrag, dPwd)
	require.NoError(t, err, "the controlling agent did not nominate the working pair")
	require.NoError(t, <-accepted, "the controlled agent got no nomination")
	pair, err := controlling.GetSelectedCandidatePair()
	require.NoError(t, err)
	require.NotNil(t, pair)
	assert.NotEqual(t, "192.0.2.1", pair.Remote.Address(), "the pair that never answered is not the selected one")
}

// newLoopbackAgent is a full ICE agent with host candidates on loopback only.
func newLoopbackAgent(t *testing.T, opts ...ice.AgentOption) *ice.Agent {
	t.Helper()
	a, err := ice.NewAgentWithOptions(append([]ice.AgentOption{
		ice.WithNetworkTypes([]ice.NetworkType{ice.NetworkTypeUDP4}),
		ice.WithCandidateTypes([]ice.CandidateType{ice.CandidateTypeHost}),
		ice.WithIncludeLoopback(),
		ice.WithIPFilter(func(ip net.IP) bool { return ip.IsLoopback() }),
		ice.WithMulticastDNSMode(ice.MulticastDNSModeDisabled),
	}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, a.Close()) })
	return a
}

// gatherAll gathers a's candidates and returns them once gathering is complete.
func gatherAll(t *testing.T, a *ice.Agent) []ice.Candidate {
	t.Helper()
	done := make(chan struct{})
	var cands []ice.Candidate
	require.NoError(t, a.OnCandidate(func(c ice.Candidate) {
		if c == nil {
			close(done)
			return
		}
		cands = append(cands, c)
	}))
	require.NoError(t, a.GatherCandidates())
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		require.FailNow(t, "gathering did not complete")
	}
	require.NotEmpty(t, cands)
	return cands
}
