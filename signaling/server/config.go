package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Config configures a Server. Zero fields take the values of DefaultConfig.
type Config struct {
	// RoomCapacity is the number of participants a room holds (SPEC §2: 2).
	RoomCapacity int
	// MaxConns bounds the open WebSocket connections; 0 means no bound. A
	// connection over the bound receives Error{code:"server-full"} and close
	// code 1013.
	MaxConns int
	// MaxConnsPerIP bounds the open connections from one source address; 0
	// means no bound. A connection over it is refused like one over MaxConns.
	MaxConnsPerIP int
	// AllowedOrigins lists the Origin header values (e.g. "https://host:8443")
	// a browser may connect from. Empty: only the server's own origin. "*": any.
	// Requests without an Origin header (non-browser clients) are always allowed.
	AllowedOrigins []string
	// PeerOrigins are accepted besides the server's own origin when
	// AllowedOrigins is empty: the pages of the other nodes of a cluster,
	// which move to this node when theirs fails (cmd/signaling
	// --cluster-peers).
	PeerOrigins []string
	// MaxMessageSize is the largest message a peer may send, in bytes (64 KiB).
	MaxMessageSize int64
	// SendQueue is the number of messages queued for one peer; a peer whose
	// queue overflows is dropped as too slow.
	SendQueue int
	// WriteTimeout bounds every write to a peer; a peer that misses it is dropped.
	WriteTimeout time.Duration
	// TCPKeepAlive is the kernel's keepalive idle time on accepted
	// connections (Serve only): after it the kernel probes a silent peer three
	// times at half this interval and drops it when none is answered, and
	// data left unacknowledged for the same total time aborts the connection
	// (TCP_USER_TIMEOUT). A dead peer (host, network or process gone) is so
	// dropped within 2.5 × TCPKeepAlive without waking the server.
	TCPKeepAlive time.Duration
	// PingInterval is the time between WebSocket pings to a silent peer:
	// they keep proxies' idle timers from cutting the connection and find
	// peers whose TCP stack answers but whose program does not.
	PingInterval time.Duration
	// PongTimeout is how long a peer may stay silent (no pong, no message)
	// before it is dropped. It must exceed PingInterval.
	PongTimeout time.Duration
	// CloseGrace is how long the server waits for the peer's close frame after
	// sending its own before it closes the TCP connection.
	CloseGrace time.Duration
	// HandshakeTimeout bounds the HTTP upgrade.
	HandshakeTimeout time.Duration
	// JoinTimeout is how long a connection may stay outside a room (after
	// Hello, or after Leave) before it receives Error{code:"join-timeout"} and
	// close code 1008, so idle sockets cannot hold MaxConns slots.
	JoinTimeout time.Duration
	// RateLimit is the sustained number of messages per second a peer may send
	// (WebSocket control frames count too), RateBurst the burst above it;
	// rate.Inf disables every limit. Keep SendQueue above RateBurst so one
	// peer's allowed burst cannot overflow a room mate's queue.
	RateLimit rate.Limit
	RateBurst int
	// ByteRate and ByteBurst limit the bytes per second a peer may send.
	ByteRate  int64
	ByteBurst int64
	// JoinGrant and JoinGrantBytes are added to a participant's limits each
	// time a newcomer enters its room (up to twice the bursts): the offer and
	// candidates the newcomer asks for are paid by its arrival.
	JoinGrant      int
	JoinGrantBytes int64
	// SeparateMetrics leaves /metrics out of Handler; serve MetricsHandler on
	// a listener of its own (cmd/signaling --metrics-addr).
	SeparateMetrics bool
	// Cluster, when set, shares the rooms with the other nodes of a cluster
	// (package cluster); nil keeps them in this process alone.
	Cluster Cluster
	// TLS, when set, makes Serve speak TLS (wss://); nil serves plain ws://.
	TLS *tls.Config
	// UI serves the browser interface at /; nil answers 404.
	UI http.Handler
	// Handlers are served beside /ws, /healthz, /metrics and / (path → handler),
	// e.g. the ICE server list of package turn at /iceservers.
	Handlers map[string]http.Handler
	// Collectors are added to /metrics (e.g. the embedded TURN server's).
	Collectors []prometheus.Collector
}

// DefaultConfig returns the production defaults: kernel keepalive after 10 s
// of silence, so a dead peer is dropped and its room hears Room/Leave within
// ~25 s (SPEC §2); WebSocket pings every 30 s and a peer silent for 70 s
// dropped; 50 messages/s (burst 100) and 256 KiB/s (burst 1 MiB) per peer,
// plus 40 messages and 128 KiB for each newcomer in its room (DESIGN.md).
func DefaultConfig() Config {
	return Config{
		RoomCapacity:     2,
		MaxMessageSize:   64 << 10,
		SendQueue:        256,
		WriteTimeout:     10 * time.Second,
		TCPKeepAlive:     10 * time.Second,
		PingInterval:     30 * time.Second,
		PongTimeout:      70 * time.Second,
		CloseGrace:       time.Second,
		HandshakeTimeout: 10 * time.Second,
		JoinTimeout:      15 * time.Second,
		RateLimit:        50,
		RateBurst:        100,
		ByteRate:         256 << 10,
		ByteBurst:        1 << 20,
		JoinGrant:        40,
		JoinGrantBytes:   128 << 10,
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.RoomCapacity == 0 {
		c.RoomCapacity = d.RoomCapacity
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = d.MaxMessageSize
	}
	if c.SendQueue == 0 {
		c.SendQueue = d.SendQueue
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = d.WriteTimeout
	}
	if c.TCPKeepAlive == 0 {
		c.TCPKeepAlive = d.TCPKeepAlive
	}
	if c.PingInterval == 0 {
		c.PingInterval = d.PingInterval
	}
	if c.PongTimeout == 0 {
		c.PongTimeout = d.PongTimeout
	}
	if c.CloseGrace == 0 {
		c.CloseGrace = d.CloseGrace
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = d.HandshakeTimeout
	}
	if c.RateLimit == 0 {
		c.RateLimit = d.RateLimit
	}
	if c.RateBurst == 0 {
		c.RateBurst = d.RateBurst
	}
	if c.JoinTimeout == 0 {
		c.JoinTimeout = d.JoinTimeout
	}
	if c.ByteRate == 0 {
		c.ByteRate = d.ByteRate
	}
	if c.ByteBurst == 0 {
		c.ByteBurst = d.ByteBurst
	}
	if c.JoinGrant == 0 {
		c.JoinGrant = d.JoinGrant
	}
	if c.JoinGrantBytes == 0 {
		c.JoinGrantBytes = d.JoinGrantBytes
	}
	return c
}

// Validate reports every invalid field, by its name.
func (c Config) Validate() error {
	var errs []error
	if c.RoomCapacity < 1 {
		errs = append(errs, fmt.Errorf("'RoomCapacity' must be at least 1, got %d", c.RoomCapacity))
	}
	if c.MaxConns < 0 {
		errs = append(errs, fmt.Errorf("'MaxConns' must not be negative, got %d", c.MaxConns))
	}
	if c.MaxConnsPerIP < 0 {
		errs = append(errs, fmt.Errorf("'MaxConnsPerIP' must not be negative, got %d", c.MaxConnsPerIP))
	}
	if c.MaxMessageSize < 64 {
		errs = append(errs, fmt.Errorf("'MaxMessageSize' must be at least 64 bytes, got %d", c.MaxMessageSize))
	}
	if c.SendQueue < 1 {
		errs = append(errs, fmt.Errorf("'SendQueue' must be at least 1, got %d", c.SendQueue))
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{
		{"WriteTimeout", c.WriteTimeout}, {"TCPKeepAlive", c.TCPKeepAlive}, {"PingInterval", c.PingInterval}, {"PongTimeout", c.PongTimeout},
		{"CloseGrace", c.CloseGrace}, {"HandshakeTimeout", c.HandshakeTimeout}, {"JoinTimeout", c.JoinTimeout},
	} {
		if d.d <= 0 {
			errs = append(errs, fmt.Errorf("'%s' must be greater than zero, got %s", d.name, d.d))
		}
	}
	if c.PongTimeout <= c.PingInterval {
		errs = append(errs, fmt.Errorf("'PongTimeout' (%s) must be greater than 'PingInterval' (%s)", c.PongTimeout, c.PingInterval))
	}
	if c.RateLimit < 0 {
		errs = append(errs, fmt.Errorf("'RateLimit' must not be negative, got %v", c.RateLimit))
	}
	if c.RateBurst < 1 {
		errs = append(errs, fmt.Errorf("'RateBurst' must be at least 1, got %d", c.RateBurst))
	}
	if c.ByteRate < 1 || c.ByteBurst < c.MaxMessageSize {
		errs = append(errs, fmt.Errorf("'ByteRate' must be positive and 'ByteBurst' (%d) at least 'MaxMessageSize' (%d)", c.ByteBurst, c.MaxMessageSize))
	}
	if c.JoinGrant < 0 || c.JoinGrantBytes < 0 {
		errs = append(errs, errors.New("'JoinGrant' and 'JoinGrantBytes' must not be negative"))
	}
	for _, o := range c.AllowedOrigins {
		if o != "*" && !strings.Contains(o, "://") {
			errs = append(errs, fmt.Errorf("'AllowedOrigins' entry %q must be \"*\" or scheme://host[:port]", o))
		}
	}
	return errors.Join(errs...)
}
