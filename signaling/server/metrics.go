package server

import (
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus metrics, on a registry of its own.
type metrics struct {
	registry     *prometheus.Registry
	connections  prometheus.Gauge
	connsTotal   prometheus.Counter
	disconnects  *prometheus.CounterVec
	rooms        prometheus.Gauge
	messagesIn   *prometheus.CounterVec
	messagesOut  *prometheus.CounterVec
	errors       *prometheus.CounterVec
	relayLatency prometheus.Histogram

	// The per-type counters, looked up once (types are the protocol's and
	// "invalid"): a label lookup per message shows at 10,000 peers.
	inByType, outByType sync.Map // string → prometheus.Counter
}

// in is messages_in_total{type}.
func (m *metrics) in(typ string) prometheus.Counter { return cached(&m.inByType, m.messagesIn, typ) }

// out is messages_out_total{type}.
func (m *metrics) out(typ string) prometheus.Counter { return cached(&m.outByType, m.messagesOut, typ) }

func cached(cache *sync.Map, vec *prometheus.CounterVec, typ string) prometheus.Counter {
	if c, ok := cache.Load(typ); ok {
		return c.(prometheus.Counter)
	}
	c := vec.WithLabelValues(typ)
	cache.Store(typ, c)
	return c
}

const namespace = "echtzeit_signaling"

func newMetrics() (*metrics, error) {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "connections",
			Help: "Open WebSocket connections.",
		}),
		connsTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "connections_total",
			Help: "WebSocket connections accepted since start.",
		}),
		disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "disconnects_total",
			Help: "Closed connections by reason (closed, violation, slow, timeout, shutdown, error).",
		}, []string{"reason"}),
		rooms: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "rooms",
			Help: "Rooms with at least one participant.",
		}),
		messagesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "messages_in_total",
			Help: `Messages received from peers by type ("invalid" for undecodable ones).`,
		}, []string{"type"}),
		messagesOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "messages_out_total",
			Help: "Messages written to peers by type.",
		}, []string{"type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "errors_total",
			Help: "Error messages sent to peers by code.",
		}, []string{"code"}),
		relayLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "relay_latency_seconds",
			Help:    "Time from reading a Signal to writing its Room/Signal to a receiver.",
			Buckets: prometheus.ExponentialBuckets(25e-6, 2, 16), // 25 µs … ~0.8 s
		}),
	}
	for _, c := range []prometheus.Collector{
		m.connections, m.connsTotal, m.disconnects, m.rooms,
		m.messagesIn, m.messagesOut, m.errors, m.relayLatency,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
	} {
		if err := m.registry.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}
