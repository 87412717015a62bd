package network

import (
	"context"
	"net"
	"net/netip"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/nat"
	"echtzeit/harness/netns"
)

// TestNATTypesBehaveAsNamed probes each router type with STUN from behind
// it: two STUN responders in the core (two destinations) report the address
// a socket's packets arrive from. A cone NAT keeps one public mapping for
// both destinations, a symmetric one makes one per destination, udp-blocked
// lets no UDP out but TCP to the service address, and no NAT shows the
// side's own address. Every router also turns away what it did not see
// leave (an unsolicited packet from the core does not reach the side), and
// a cone NAT keeps its mapping for a peer whose packet came first (a hole
// punch).
func TestNATTypesBehaveAsNamed(t *testing.T) {
	requireRoot(t)
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("no nft (nftables)")
	}
	for _, tc := range []struct {
		name string
		typ  nat.Type
	}{{"none", nat.None}, {"cone", nat.Cone}, {"symmetric", nat.Symmetric}, {"udp-blocked", nat.UDPBlocked}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			topo, err := Build(ctx, testConfig("tnat-"+tc.name, SideConfig{Name: "side", NAT: tc.typ}))
			require.NoError(t, err)
			defer func() {
				require.NoError(t, topo.Close())
				assertGone(t, topo)
				if topo.Sides[0].Router != nil {
					names, err := netns.List()
					require.NoError(t, err)
					assert.NotContains(t, names, topo.Sides[0].Router.Name)
				}
			}()
			side := topo.Sides[0]
			var stun []netip.AddrPort
			for _, port := range []uint16{3478, 3479} {
				ap := netip.AddrPortFrom(ServiceAddr, port)
				pc, err := netns.ListenPacket(topo.Core.Path(), "udp4", ap.String())
				require.NoError(t, err)
				defer pc.Close()
				go func() { _ = nat.ServeSTUN(pc) }()
				stun = append(stun, ap)
			}
			conn, err := netns.ListenPacket(side.NS.Path(), "udp4", "0.0.0.0:0")
			require.NoError(t, err)
			defer conn.Close()
			local := conn.LocalAddr().(*net.UDPAddr).AddrPort()

			probe := func(dst netip.AddrPort, wait time.Duration) (netip.AddrPort, error) {
				pctx, pcancel := context.WithTimeout(ctx, wait)
				defer pcancel()
				return nat.Mapped(pctx, conn, dst)
			}
			if tc.typ == nat.UDPBlocked {
				_, err := probe(stun[0], time.Second)
				require.Error(t, err, "no UDP gets out")
				ln, err := netns.Listen(topo.Core.Path(), "tcp4", netip.AddrPortFrom(ServiceAddr, 3478).String())
				require.NoError(t, err)
				defer ln.Close()
				c, err := netns.Dial(ctx, side.NS.Path(), "tcp4", ln.Addr().String())
				require.NoError(t, err, "TCP to the service address (TURN over TCP) gets out")
				require.NoError(t, c.Close())
				return
			}
			first, err := probe(stun[0], 5*time.Second)
			require.NoError(t, err)
			second, err := probe(stun[1], 5*time.Second)
			require.NoError(t, err)
			t.Logf("%s: socket %s, seen as %s by %s and %s by %s", tc.name, local, first, stun[0], second, stun[1])
			switch tc.typ {
			case nat.None:
				assert.Equal(t, netip.AddrPortFrom(side.Addr, local.Port()), first, "no NAT: the side's own address")
				assert.Equal(t, first, second)
			case nat.Cone:
				assert.Equal(t, side.Public, first.Addr(), "the router's public address")
				assert.NotEqual(t, side.Addr, side.Public)
				assert.Equal(t, first, second, "one mapping for both destinations (endpoint-independent)")
			case nat.Symmetric:
				assert.Equal(t, side.Public, first.Addr())
				assert.Equal(t, side.Public, second.Addr())
				assert.NotEqual(t, first.Port(), second.Port(), "a mapping per destination")
			}
			if tc.typ != nat.None {
				// A packet to the mapping from a host the side never sent to is
				// dropped (only replies come in).
				other, err := netns.ListenPacket(topo.Core.Path(), "udp4", netip.AddrPortFrom(ServiceAddr, 3490).String())
				require.NoError(t, err)
				defer other.Close()
				_, err = other.WriteTo([]byte("unsolicited"), net.UDPAddrFromAddrPort(first))
				require.NoError(t, err)
				require.NoError(t, conn.SetReadDeadline(time.Now().Add(500*time.Millisecond)))
				buf := make([]byte, 64)
				n, _, err := conn.ReadFrom(buf)
				assert.Error(t, err, "got %q through the NAT", buf[:n])
				// A hole punch: the peer's packet came first (and was dropped);
				// when the side then sends to that peer, a cone NAT still maps
				// it to the same public port, so the peer's next packet gets in.
				go func() { _ = nat.ServeSTUN(other) }()
				third, err := probe(netip.AddrPortFrom(ServiceAddr, 3490), 5*time.Second)
				require.NoError(t, err)
				if tc.typ == nat.Cone {
					assert.Equal(t, first, third, "the mapping survives an early packet from the peer")
				}
			}
		})
	}
}
