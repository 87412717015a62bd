package turn

import (
	"net"
	"strings"
	"sync/atomic"

	pionturn "github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the TURN server's Prometheus collectors (register them on the
// signaling server's registry): allocations now and since start, relayed
// bytes per direction, refused authentications.
type Metrics struct {
	allocations      func() int
	allocationsTotal *prometheus.CounterVec
	authFailures     prometheus.Counter
	relayedBytes     *prometheus.CounterVec
	toPeer, fromPeer atomic.Int64 // for RelayedBytes, without a scrape
}

const namespace = "echtzeit_turn"

func newMetrics() *Metrics {
	return &Metrics{
		allocations: func() int { return 0 },
		allocationsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "allocations_total",
			Help: "TURN allocations created since start, by the client's transport (udp, tcp).",
		}, []string{"transport"}),
		authFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "auth_failures_total",
			Help: "TURN requests refused because of their credentials.",
		}),
		relayedBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "relayed_bytes_total",
			Help: `Bytes relayed through allocations: "to-peer" sent from relay addresses, "from-peer" received on them.`,
		}, []string{"direction"}),
	}
}

// Collectors returns every collector of m.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Name: "allocations",
			Help: "TURN allocations open now.",
		}, func() float64 { return float64(m.allocations()) }),
		m.allocationsTotal, m.authFailures, m.relayedBytes,
	}
}

// RelayedBytes returns the bytes relayed so far, to and from peers.
func (m *Metrics) RelayedBytes() (toPeer, fromPeer int64) { return m.toPeer.Load(), m.fromPeer.Load() }

func (m *Metrics) events() pionturn.EventHandler {
	return pionturn.EventHandler{
		OnAuth: func(_, _ net.Addr, _, _, _ string, _ string, verdict bool) {
			if !verdict {
				m.authFailures.Inc()
			}
		},
		// protocol is the relayed one (always UDP here): the client's
		// transport is that of its address.
		OnAllocationCreated: func(src, _ net.Addr, _, _, _ string, _ net.Addr, _ int) {
			m.allocationsTotal.WithLabelValues(strings.ToLower(src.Network())).Inc()
		},
	}
}

// countRefusals counts the usernames auth refuses (unknown form, expired);
// events counts the wrong passwords.
func (m *Metrics) countRefusals(auth pionturn.AuthHandler) pionturn.AuthHandler {
	return func(ra *pionturn.RequestAttributes) (string, []byte, bool) {
		id, key, ok := auth(ra)
		if !ok {
			m.authFailures.Inc()
		}
		return id, key, ok
	}
}

func (m *Metrics) relayed(toPeer bool, n int) {
	if n <= 0 {
		return
	}
	if toPeer {
		m.toPeer.Add(int64(n))
		m.relayedBytes.WithLabelValues("to-peer").Add(float64(n))
		return
	}
	m.fromPeer.Add(int64(n))
	m.relayedBytes.WithLabelValues("from-peer").Add(float64(n))
}

// countingRelays hands out relay sockets that count the bytes they carry.
type countingRelays struct {
	pionturn.RelayAddressGenerator
	m *Metrics
}

func (g *countingRelays) AllocatePacketConn(c pionturn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	pc, addr, err := g.RelayAddressGenerator.AllocatePacketConn(c)
	if err != nil {
		return nil, nil, err
	}
	return &countingConn{PacketConn: pc, m: g.m}, addr, nil
}

// countingConn is a relay socket: what it writes goes to a peer, what it
// reads comes from one.
type countingConn struct {
	net.PacketConn
	m *Metrics
}

func (c *countingConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, addr, err := c.PacketConn.ReadFrom(p)
	c.m.relayed(false, n)
	return n, addr, err
}

func (c *countingConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	n, err := c.PacketConn.WriteTo(p, addr)
	c.m.relayed(true, n)
	return n, err
}
