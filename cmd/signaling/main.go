// Command signaling runs the echtzeit signaling server (SPEC §2): WebSocket
// signaling on /ws, /healthz, /metrics and the browser interface at /.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"echtzeit/signaling/server"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "signaling:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("signaling", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: signaling [flags]

Runs the echtzeit signaling server: WebSocket signaling on /ws (wss:// unless --plain),
GET /healthz, /metrics (Prometheus), /iceservers (STUN/TURN for WebRTC) and the browser
interface at /. Without --tls-cert/--tls-key it makes a self-signed certificate for localhost,
127.0.0.1, ::1 and the --tls-host names, logs its SHA-256, and stops on SIGINT/SIGTERM (close 1001).

Flags:
`)
		fs.PrintDefaults()
	}
	def := server.DefaultConfig()
	addr := fs.String("addr", ":8443", "listen address host:port")
	plain := fs.Bool("plain", false, "serve plain ws:// and http:// instead of TLS")
	certFile := fs.String("tls-cert", "", "PEM certificate file (with --tls-key)")
	keyFile := fs.String("tls-key", "", "PEM private key file (with --tls-cert)")
	var tlsHosts stringList
	fs.Var(&tlsHosts, "tls-host", "extra DNS name or IP for the self-signed certificate (repeatable or comma-separated)")
	capacity := fs.Int("room-capacity", def.RoomCapacity, "participants per room")
	var origins stringList
	fs.Var(&origins, "allowed-origins", `browser origins allowed to connect, e.g. https://host:8443 (comma-separated, "*" for any; default: same origin only)`)
	maxConns := fs.Int("max-conns", 0, "maximum open WebSocket connections (0 = no limit)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	ice := addICEFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (see --help)", fs.Args())
	}
	// Checked here: server.Config reads zero as "default".
	if *capacity < 1 {
		return fmt.Errorf("--room-capacity must be at least 1, got %d", *capacity)
	}
	if *maxConns < 0 {
		return fmt.Errorf("--max-conns must not be negative, got %d", *maxConns)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	cfg := server.Config{
		RoomCapacity:   *capacity,
		MaxConns:       *maxConns,
		AllowedOrigins: origins,
		UI:             uiHandler(),
	}
	switch {
	case *plain:
		if *certFile != "" || *keyFile != "" {
			return errors.New("--plain and --tls-cert/--tls-key exclude each other")
		}
	case *certFile != "" || *keyFile != "":
		if *certFile == "" || *keyFile == "" {
			return errors.New("--tls-cert and --tls-key go together")
		}
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		logger.Info("TLS certificate loaded", "file", *certFile, "sha256", server.Fingerprint(cert))
	default:
		cert, err := server.SelfSignedCertificate(tlsHosts...)
		if err != nil {
			return err
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		spki, err := server.SPKIFingerprint(cert)
		if err != nil {
			return err
		}
		logger.Info("self-signed TLS certificate", "sha256", server.Fingerprint(cert), "spki_sha256_base64", spki,
			"hosts", append([]string{"localhost", "127.0.0.1", "::1"}, tlsHosts...))
	}

	srv, turnServer, err := ice.newServer(cfg, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	scheme := "wss"
	if cfg.TLS == nil {
		scheme = "ws"
	}
	logger.Info("signaling server listening", "addr", ln.Addr().String(), "ws", fmt.Sprintf("%s://%s/ws", scheme, ln.Addr()))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return errors.Join(srv.Serve(ctx, ln), turnServer.Close())
}

// stringList is a flag that takes comma-separated values and may repeat.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}
