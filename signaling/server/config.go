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
	// AllowedOrigins lists the Origin header values (e.g. "https://host:8443")
	// a browser may connect from. Empty: only the server's own origin. "*": any.
	// Requests without an Origin header (non-browser clients) are always allowed.
	AllowedOrigins []string
	// MaxMessageSize is the largest message a peer may send, in bytes (64 KiB).
	MaxMessageSize int64
	// SendQueue is the number of messages queued for one peer; a peer whose
	// queue overflows is dropped as too slow.
	SendQueue int
	// WriteTimeout bounds every write to a peer; a peer that misses it is dropped.
	WriteTimeout time.Duration
	// PingInterval is the time between keepalive pings.
	PingInterval time.Duration
	// PongTimeout is how long a peer may stay silent (no pong, no message)
	// before it is dropped. It must exceed PingInterval.
	PongTimeout time.Duration
	// CloseGrace is how long the server waits for the peer's close frame after
	// sending its own before it closes the TCP connection.
	CloseGrace time.Duration
	// HandshakeTimeout bounds the HTTP upgrade.
	HandshakeTimeout time.Duration
	// RateLimit is the sustained number of messages per second a peer may send,
	// RateBurst the burst above it; rate.Inf disables the limit. Keep
	// SendQueue above RateBurst so one peer's allowed burst cannot overflow a
	// room mate's queue.
	RateLimit rate.Limit
	RateBurst int
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

// DefaultConfig returns the production defaults: pings every 10 s and a peer
// silent for 25 s dropped, so a dead peer's room hears Room/Leave within ~30 s
// (SPEC §2).
func DefaultConfig() Config {
	return Config{
		RoomCapacity:     2,
		MaxMessageSize:   64 << 10,
		SendQueue:        256,
		WriteTimeout:     10 * time.Second,
		PingInterval:     10 * time.Second,
		PongTimeout:      25 * time.Second,
		CloseGrace:       time.Second,
		HandshakeTimeout: 10 * time.Second,
		RateLimit:        50,
		RateBurst:        100,
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
		{"WriteTimeout", c.WriteTimeout}, {"PingInterval", c.PingInterval}, {"PongTimeout", c.PongTimeout},
		{"CloseGrace", c.CloseGrace}, {"HandshakeTimeout", c.HandshakeTimeout},
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
	for _, o := range c.AllowedOrigins {
		if o != "*" && !strings.Contains(o, "://") {
			errs = append(errs, fmt.Errorf("'AllowedOrigins' entry %q must be \"*\" or scheme://host[:port]", o))
		}
	}
	return errors.Join(errs...)
}
