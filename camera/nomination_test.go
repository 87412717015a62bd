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
// controls ICE; its agent (pion/ice with the patch in third_party/pion-ice)
// nominates a pair one round trip after it validates, not at its next check
// tick. The controlling agent here checks every hour and has a remote
// candidate that never answers with a higher priority than the working one:
// unpatched pion nominates only when its task loop next runs (at the latest
// after 2 s, its keepalive interval, whatever the check interval), or when
// the controlled agent's check arrives on the best pair still possible (the
// one that never answers). So the deadline of 1 s tells the two apart (the
// patched agent needs milliseconds; seen: unpatched 2.01 s). This wait is
// what made every stream through the TURN relay slower by up to 200 ms
// (DESIGN.md, "Setup through the relay").
func TestControllingAgentNominatesWhenAPairValidates(t *testing.T) {
	loopback := func(ip net.IP) bool { return ip.IsLoopback() }
	newAgent := func(opts ...ice.AgentOption) *ice.Agent {
		a, err := ice.NewAgentWithOptions(append([]ice.AgentOption{
			ice.WithNetworkTypes([]ice.NetworkType{ice.NetworkTypeUDP4}),
			ice.WithCandidateTypes([]ice.CandidateType{ice.CandidateTypeHost}),
			ice.WithIncludeLoopback(),
			ice.WithIPFilter(loopback),
			ice.WithMulticastDNSMode(ice.MulticastDNSModeDisabled),
		}, opts...)...)
		require.NoError(t, err)
		t.Cleanup(func() { assert.NoError(t, a.Close()) })
		return a
	}
	controlling := newAgent(ice.WithCheckInterval(time.Hour))
	controlled := newAgent()

	gather := func(a *ice.Agent) []ice.Candidate {
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
			t.Fatal("gathering did not complete")
		}
		require.NotEmpty(t, cands)
		return cands
	}
	for _, c := range gather(controlled) {
		require.NoError(t, controlling.AddRemoteCandidate(c))
	}
	for _, c := range gather(controlling) {
		require.NoError(t, controlled.AddRemoteCandidate(c))
	}
	// A better pair that stays in progress: TEST-NET-1 (RFC 5737) is not
	// reachable from a loopback socket.
	unreachable, err := ice.NewCandidateHost(&ice.CandidateHostConfig{
		Network: "udp", Address: "192.0.2.1", Port: 9, Component: 1, Priority: math.MaxUint32,
	})
	require.NoError(t, err)
	require.NoError(t, controlling.AddRemoteCandidate(unreachable))

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	cUfrag, cPwd, err := controlling.GetLocalUserCredentials()
	require.NoError(t, err)
	dUfrag, dPwd, err := controlled.GetLocalUserCredentials()
	require.NoError(t, err)
	accepted := make(chan error, 1)
	go func() {
		_, err := controlled.Accept(ctx, cUfrag, cPwd)
		accepted <- err
	}()
	conn, err := controlling.Dial(ctx, dUfrag, dPwd)
	require.NoError(t, err, "the controlling agent did not nominate the working pair")
	pair, err := controlling.GetSelectedCandidatePair()
	require.NoError(t, err)
	require.NotNil(t, pair)
	assert.NotEqual(t, "192.0.2.1", pair.Remote.Address(), "the pair that never answered is not the selected one")
	require.NoError(t, <-accepted)
	_ = conn
}
