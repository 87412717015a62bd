package signalingtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"echtzeit/signaling/server"
)

// Server is a running signaling server.
type Server struct {
	// URL is https://127.0.0.1:PORT, WSURL wss://127.0.0.1:PORT/ws.
	URL, WSURL string
	// Addr is the listening address, 127.0.0.1:PORT.
	Addr string
	// Fingerprint is the SHA-256 of the certificate (hex), for
	// client.WithFingerprint and the camera's --tls-fingerprint.
	Fingerprint string
	// SPKIFingerprint is the base64 SHA-256 of the public key, for Chromium's
	// --ignore-certificate-errors-spki-list.
	SPKIFingerprint string
	// CertFile is the certificate in PEM form, for client.WithCAFile and the
	// camera's --tls-ca.
	CertFile string
	// TLSConfig is a client configuration that trusts the server.
	TLSConfig *tls.Config
	// Server is the component itself, e.g. to close it early.
	Server *server.Server
}

// Option configures Start.
type Option func(*options)

type options struct {
	cfg    server.Config
	logger *slog.Logger
	plain  bool
}

// WithStatic serves h at / (the browser interface).
func WithStatic(h http.Handler) Option { return func(o *options) { o.cfg.UI = h } }

// WithConfig lets the test change the server configuration (TLS is set by Start).
func WithConfig(f func(*server.Config)) Option { return func(o *options) { f(&o.cfg) } }

// WithPlain serves ws:// and http:// without TLS; the TLS fields of Server stay
// empty. For tests of plain deployments only: the default is TLS, as in production.
func WithPlain() Option { return func(o *options) { o.plain = true } }

// WithLogger sets the server's logger (default: warnings and errors to the test
// log).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// Start starts a signaling server on a free loopback port over TLS and stops it
// when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := options{cfg: server.Config{}}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	cert, err := server.SelfSignedCertificate()
	if err != nil {
		t.Fatalf("signalingtest: %v", err)
	}
	if !o.plain {
		o.cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	srv, err := server.New(o.cfg, o.logger)
	if err != nil {
		t.Fatalf("signalingtest: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("signalingtest: listen: %v", err)
	}
	pemBytes, err := server.CertificatePEM(cert)
	if err != nil {
		t.Fatalf("signalingtest: %v", err)
	}
	certFile := filepath.Join(t.TempDir(), "signaling-cert.pem")
	if err := os.WriteFile(certFile, pemBytes, 0o600); err != nil {
		t.Fatalf("signalingtest: write certificate: %v", err)
	}
	spki, err := server.SPKIFingerprint(cert)
	if err != nil {
		t.Fatalf("signalingtest: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("signalingtest: close: %v", err)
		}
		select {
		case err := <-served:
			if err != nil && !errors.Is(err, server.ErrServerClosed) {
				t.Errorf("signalingtest: serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("signalingtest: Serve did not return 10 s after Close")
		}
	})

	addr := ln.Addr().String()
	if o.plain {
		return &Server{URL: "http://" + addr, WSURL: "ws://" + addr + "/ws", Addr: addr, Server: srv}
	}
	return &Server{
		URL:             "https://" + addr,
		WSURL:           "wss://" + addr + "/ws",
		Addr:            addr,
		Fingerprint:     server.Fingerprint(cert),
		SPKIFingerprint: spki,
		CertFile:        certFile,
		TLSConfig:       &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		Server:          srv,
	}
}

// FreePorts returns n different free loopback TCP ports, all held open
// together while they are chosen (so none is given twice), for processes or
// nodes that are told their ports before they start (a cluster's routes).
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}
