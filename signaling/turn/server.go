package turn

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	pionturn "github.com/pion/turn/v5"
)

// Defaults of Config.
const (
	DefaultRealm = "echtzeit"
	DefaultTTL   = 12 * time.Hour
)

// ErrConfig wraps every error of Config.Validate.
var ErrConfig = errors.New("turn config")

// Config configures the embedded TURN server.
type Config struct {
	// Listen is the host:port the server listens on, for UDP and for TCP
	// (TURN over TCP, RFC 8656 §3.1, the way out of networks that block UDP).
	Listen string
	// PublicIP is the address clients reach the server at and the relayed
	// addresses it announces (coturn's external-ip). Empty: the host of
	// Listen, which must then be a specific address.
	PublicIP net.IP
	// Realm is the authentication realm (DefaultRealm when empty).
	Realm string
	// Secret signs and checks the REST credentials (coturn's static-auth-secret).
	Secret string
	// Logger receives the server's log (pion's, one level lower); nil discards.
	Logger *slog.Logger
}

// Validate checks the configuration; messages name the flag.
func (c Config) Validate() error {
	var errs []error
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		errs = append(errs, fmt.Errorf("%w: 'turn-listen' must be HOST:PORT, got %q", ErrConfig, c.Listen))
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		errs = append(errs, fmt.Errorf("%w: 'turn-listen' needs a port between 1 and 65535 (0: any free one), got %q", ErrConfig, port))
	} else if c.PublicIP == nil {
		ip := net.ParseIP(host)
		if ip == nil || ip.IsUnspecified() {
			errs = append(errs, fmt.Errorf("%w: 'turn-public-ip' must be set when 'turn-listen' has no specific IP (%q)", ErrConfig, c.Listen))
		}
	}
	if c.PublicIP != nil && (c.PublicIP.IsUnspecified() || c.PublicIP.To4() == nil && c.PublicIP.To16() == nil) {
		errs = append(errs, fmt.Errorf("%w: 'turn-public-ip' must be a specific IP address, got %s", ErrConfig, c.PublicIP))
	}
	if c.Secret == "" {
		errs = append(errs, fmt.Errorf("%w: 'turn-secret' must be set (the credentials are signed with it)", ErrConfig))
	}
	return errors.Join(errs...)
}

// publicIP is PublicIP or the host of Listen.
func (c Config) publicIP() net.IP {
	if c.PublicIP != nil {
		return c.PublicIP
	}
	host, _, _ := net.SplitHostPort(c.Listen)
	return net.ParseIP(host)
}

// Server is a running TURN and STUN server: UDP and TCP on one port, relays
// on UDP ports of PublicIP, REST credentials checked against the secret.
type Server struct {
	cfg     Config
	turn    *pionturn.Server
	udp     net.PacketConn
	tcp     net.Listener
	metrics *Metrics
}

// Start listens on cfg.Listen (UDP and TCP) and serves TURN until Close.
func Start(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Realm == "" {
		cfg.Realm = DefaultRealm
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	udp, tcp, err := listen(cfg.Listen)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, udp: udp, tcp: tcp, metrics: newMetrics()}
	host, _, _ := net.SplitHostPort(cfg.Listen)
	if host == "" {
		host = "0.0.0.0"
	}
	relays := func() pionturn.RelayAddressGenerator {
		return &countingRelays{
			RelayAddressGenerator: &pionturn.RelayAddressGeneratorStatic{RelayAddress: cfg.publicIP(), Address: host},
			m:                     s.metrics,
		}
	}
	logs := pionLogs{log: cfg.Logger}
	s.turn, err = pionturn.NewServer(pionturn.ServerConfig{
		Realm:             cfg.Realm,
		AuthHandler:       s.metrics.countRefusals(pionturn.LongTermTURNRESTAuthHandler(cfg.Secret, logs.NewLogger("turn-auth"))),
		LoggerFactory:     logs,
		EventHandler:      s.metrics.events(),
		PacketConnConfigs: []pionturn.PacketConnConfig{{PacketConn: udp, RelayAddressGenerator: relays()}},
		ListenerConfigs:   []pionturn.ListenerConfig{{Listener: tcp, RelayAddressGenerator: relays()}},
	})
	if err != nil {
		_ = udp.Close()
		_ = tcp.Close()
		return nil, fmt.Errorf("turn: start server: %w", err)
	}
	s.metrics.allocations = s.turn.AllocationCount
	cfg.Logger.Info("TURN server listening", "udp", udp.LocalAddr().String(), "tcp", tcp.Addr().String(),
		"public_ip", cfg.publicIP().String(), "realm", cfg.Realm)
	return s, nil
}

// listen opens the UDP socket and the TCP listener on the same port; port 0
// takes a free UDP port and then the same port for TCP (tried a few times).
func listen(addr string) (net.PacketConn, net.Listener, error) {
	host, port, _ := net.SplitHostPort(addr)
	var lastErr error
	for range 5 {
		udp, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("turn: listen udp %s: %w", addr, err)
		}
		tcpAddr := net.JoinHostPort(host, strconv.Itoa(udp.LocalAddr().(*net.UDPAddr).Port))
		tcp, err := net.Listen("tcp", tcpAddr)
		if err == nil {
			return udp, tcp, nil
		}
		_ = udp.Close()
		lastErr = fmt.Errorf("turn: listen tcp %s: %w", tcpAddr, err)
		if port != "0" {
			break
		}
	}
	return nil, nil, lastErr
}

// Close stops the server and closes every allocation.
func (s *Server) Close() error {
	if err := s.turn.Close(); err != nil {
		return fmt.Errorf("turn: close: %w", err)
	}
	return nil
}

// Port is the port the server listens on (UDP and TCP).
func (s *Server) Port() int { return s.udp.LocalAddr().(*net.UDPAddr).Port }

// URLs are the server's STUN and TURN URLs (RFC 7064, RFC 7065) at its
// public IP: STUN, TURN over UDP, TURN over TCP.
func (s *Server) URLs() []string {
	hp := net.JoinHostPort(s.cfg.publicIP().String(), strconv.Itoa(s.Port()))
	return []string{"stun:" + hp, "turn:" + hp + "?transport=udp", "turn:" + hp + "?transport=tcp"}
}

// Metrics are the server's Prometheus collectors.
func (s *Server) Metrics() *Metrics { return s.metrics }
