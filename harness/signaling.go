package harness

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"echtzeit/harness/probe"
	"echtzeit/harness/scenario"
	"echtzeit/signaling/client"
)

// endpoint is the signaling server of the trials: a child process the harness
// started (proc != nil) or a remote server.
type endpoint struct {
	wsURL       string // wss://host:port/ws
	baseURL     string // https://host:port (serves the interface at /)
	fingerprint string // SHA-256 hex of the certificate, if pinned
	metricsURL  string
	opts        []client.Option
	http        *http.Client
	proc        *child
	// turn is true when the server runs the embedded TURN server.
	turn bool
}

// coreTURNPort is where the embedded TURN server listens in a trial's core
// namespace (on the host network it takes a free port).
const coreTURNPort = 3478

// signalingConfig is what the harness asks of a server it starts.
type signalingConfig struct {
	capacity int
	// turn runs the embedded TURN server beside it, with a fresh secret.
	turn bool
	// cert is the run's certificate (runner.cert), which the server
	// presents; without it the server makes its own.
	cert *certificate
}

// signalingPlace says where startSignaling runs the server: by default on
// a free loopback port of the harness's own network namespace.
type signalingPlace struct {
	// prefix starts the server elsewhere (a network namespace).
	prefix []string
	// host and port to listen on; port 0 picks a free one here.
	host string
	port int
	// dial makes the harness's connections to the server (nil: here).
	dial dialFunc
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// startSignaling starts bin/signaling (on a free loopback port unless at
// says otherwise) and waits until /healthz answers; it pins the self-signed
// certificate's fingerprint.
func startSignaling(ctx context.Context, path string, sc signalingConfig, at signalingPlace, logger *slog.Logger) (*endpoint, error) {
	if at.host == "" {
		at.host = "127.0.0.1"
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := at.port
		if port == 0 {
			var err error
			if port, err = freePort(); err != nil {
				return nil, err
			}
		}
		addr := net.JoinHostPort(at.host, strconv.Itoa(port))
		args := []string{"--addr", addr, "--room-capacity", strconv.Itoa(sc.capacity), "--log-level", "warn"}
		switch {
		case sc.cert != nil:
			args = append(args, "--tls-cert", sc.cert.certFile, "--tls-key", sc.cert.keyFile)
		case at.host != "127.0.0.1":
			args = append(args, "--tls-host", at.host)
		}
		var env []string
		if sc.turn {
			turnPort := coreTURNPort
			if at.port == 0 {
				var err error
				if turnPort, err = freePort(); err != nil {
					return nil, err
				}
			}
			args = append(args, "--turn-listen", net.JoinHostPort(at.host, strconv.Itoa(turnPort)))
			env = append(env, "ECHTZEIT_TURN_SECRET="+rand.Text())
		}
		c, err := startChildEnv(at.prefix, env, "signaling", path, args, logger)
		if err != nil {
			return nil, err
		}
		ep := &endpoint{
			wsURL:      "wss://" + addr + "/ws",
			baseURL:    "https://" + addr,
			metricsURL: "https://" + addr + "/metrics",
			proc:       c,
			turn:       sc.turn,
		}
		fp, err := waitHealthy(ctx, c, ep.baseURL+"/healthz", at.dial, 15*time.Second)
		if err != nil {
			_ = c.Stop()
			lastErr = fmt.Errorf("signaling server not ready: %w (output: %s)", err, tailLines(c.Tail(), 5))
			if ctx.Err() != nil {
				return nil, lastErr
			}
			continue
		}
		ep.fingerprint = fp
		ep.opts = []client.Option{client.WithFingerprint(fp), client.WithLogger(logger)}
		ep.http = pinnedHTTPClient(fp, at.dial)
		logger.Info("signaling server ready", "url", ep.wsURL, "sha256", fp, "pid", c.PID())
		return ep, nil
	}
	return nil, lastErr
}

// remoteEndpoint describes a signaling server the harness does not start.
func remoteEndpoint(sg scenario.Signaling, logger *slog.Logger) (*endpoint, error) {
	u, err := url.Parse(sg.URL)
	if err != nil {
		return nil, fmt.Errorf("signaling url: %w", err)
	}
	base := *u
	base.Path, base.RawQuery = "", ""
	base.Scheme = map[string]string{"wss": "https", "ws": "http"}[u.Scheme]
	ep := &endpoint{wsURL: sg.URL, baseURL: base.String(), metricsURL: sg.MetricsURL, fingerprint: sg.Fingerprint}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	switch {
	case sg.Fingerprint != "":
		ep.opts = append(ep.opts, client.WithFingerprint(strings.ToLower(sg.Fingerprint)))
		ep.http = pinnedHTTPClient(strings.ToLower(sg.Fingerprint), nil)
	case sg.CAFile != "":
		ep.opts = append(ep.opts, client.WithCAFile(sg.CAFile))
		pem, err := os.ReadFile(sg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("signaling ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("signaling ca-file %s: no PEM certificate", sg.CAFile)
		}
		tlsConf.RootCAs = pool
		ep.http = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConf}}
	case sg.Insecure:
		ep.opts = append(ep.opts, client.WithInsecureSkipVerify())
		tlsConf.InsecureSkipVerify = true
		ep.http = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConf}}
	default:
		ep.http = &http.Client{Timeout: 5 * time.Second}
	}
	ep.opts = append(ep.opts, client.WithLogger(logger))
	return ep, nil
}

// local reports whether the harness started the server.
func (ep *endpoint) local() bool { return ep.proc != nil }

// alive reports whether a local server is still running (a remote one is
// assumed to be).
func (ep *endpoint) alive() bool { return ep.proc == nil || !ep.proc.Exited() }

// stop stops a local server.
func (ep *endpoint) stop() error {
	if ep.proc == nil {
		return nil
	}
	return ep.proc.Stop()
}

// gauge reads one unlabelled series of the server's /metrics.
func (ep *endpoint) gauge(ctx context.Context, name string) (float64, error) {
	if ep.metricsURL == "" {
		return 0, errors.New("no signaling metrics URL")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	m, err := probe.Scrape(ctx, ep.http, ep.metricsURL)
	if err != nil {
		return 0, err
	}
	v, ok := m[name]
	if !ok {
		return 0, fmt.Errorf("metrics have no %s", name)
	}
	return v, nil
}

// waitHealthy polls healthz until it answers 200 (at most within) and
// returns the server certificate's SHA-256 fingerprint.
func waitHealthy(ctx context.Context, c *child, healthz string, dial dialFunc, within time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the fingerprint is read here and pinned afterwards
		DialContext:     dial,
	}}
	defer hc.CloseIdleConnections()
	var fp string
	err := c.waitUntil(ctx, 50*time.Millisecond, func(ctx context.Context) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, healthz, nil)
		if err != nil {
			return false
		}
		resp, err := hc.Do(req)
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
			return false
		}
		sum := sha256.Sum256(resp.TLS.PeerCertificates[0].Raw)
		fp = hex.EncodeToString(sum[:])
		return true
	})
	return fp, err
}

// pinnedHTTPClient trusts exactly the certificate with the SHA-256
// fingerprint fp; dial (nil: the default) makes its connections.
func pinnedHTTPClient(fp string, dial dialFunc) *http.Client {
	conf := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, //nolint:gosec // verified by VerifyConnection against the pinned fingerprint
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("no server certificate")
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if hex.EncodeToString(sum[:]) != fp {
				return client.ErrFingerprintMismatch
			}
			return nil
		},
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: conf, DialContext: dial}}
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	return port, nil
}
