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
	"runtime/debug"
	"syscall"

	"echtzeit/signaling/cluster"
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
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(o.gcPercent)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ui, err := uiHandler(o.clusterPeers)
	if err != nil {
		return fmt.Errorf("--cluster-peers: %w", err)
	}
	cfg := server.Config{
		RoomCapacity:    o.capacity,
		MaxConns:        o.maxConns,
		MaxConnsPerIP:   o.maxPerIP,
		JoinTimeout:     o.joinTimeout,
		AllowedOrigins:  o.origins,
		PeerOrigins:     peerOrigins(o.clusterPeers),
		UI:              ui,
		SeparateMetrics: o.metricsAddr != "",
	}
	if cfg.TLS, err = tlsConfig(o, logger); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The server's port is taken before anything else listens: the
	// embedded NATS server's client port is a random one and must not take
	// it first.
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if o.clustered() {
		node, err := cluster.Start(ctx, cluster.Config{
			Name: o.clusterName, Listen: o.clusterListen, ClientListen: o.clusterClientListen,
			Routes: o.clusterRoutes, NATSURL: o.natsURL,
			Replicas: o.clusterReplicas, DeadAfter: o.clusterDeadAfter, Logger: logger,
		})
		if err != nil {
			_ = ln.Close()
			return err
		}
		// After the server: its participants leave their rooms first.
		defer node.Close()
		cfg.Cluster = node
	}
	srv, turnServer, err := o.ice.newServer(cfg, logger)
	if err != nil {
		_ = ln.Close()
		return err
	}
	if o.metricsAddr != "" && o.metricsAddr != "off" {
		ms, err := serveMetrics(ctx, o.metricsAddr, srv.MetricsHandler(), o.pprof, logger)
		if err != nil {
			_ = ln.Close()
			_ = srv.Close()
			return err
		}
		defer ms.close()
	}
	scheme := "wss"
	if cfg.TLS == nil {
		scheme = "ws"
	}
	logger.Info("signaling server listening", "addr", ln.Addr().String(), "ws", fmt.Sprintf("%s://%s/ws", scheme, ln.Addr()))
	return errors.Join(srv.Serve(ctx, ln), turnServer.Close())
}

// tlsConfig loads --tls-cert/--tls-key or makes a self-signed certificate; nil
// with --plain.
func tlsConfig(o *options, logger *slog.Logger) (*tls.Config, error) {
	switch {
	case o.plain:
		return nil, nil
	case o.certFile != "":
		cert, err := tls.LoadX509KeyPair(o.certFile, o.keyFile)
		if err != nil {
			return nil, fmt.Errorf("load TLS certificate: %w", err)
		}
		logger.Info("TLS certificate loaded", "file", o.certFile, "sha256", server.Fingerprint(cert))
		return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
	}
	cert, err := server.SelfSignedCertificate(o.tlsHosts...)
	if err != nil {
		return nil, err
	}
	spki, err := server.SPKIFingerprint(cert)
	if err != nil {
		return nil, err
	}
	logger.Info("self-signed TLS certificate", "sha256", server.Fingerprint(cert), "spki_sha256_base64", spki,
		"hosts", append([]string{"localhost", "127.0.0.1", "::1"}, o.tlsHosts...))
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
