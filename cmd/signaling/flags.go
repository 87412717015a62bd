package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"echtzeit/signaling/server"
)

// defaultGCPercent is GOGC for the server: its live heap is almost all
// long-lived connection state and it allocates little, so a heap growing by
// half of it (instead of Go's default, all of it) before each collection
// cuts the memory per idle connection by about a quarter (DESIGN.md,
// "Connection memory and keepalive").
const defaultGCPercent = 50

const usage = `Usage: signaling [flags]

Runs the echtzeit signaling server: WebSocket signaling on /ws (wss:// unless
--plain), GET /healthz (200 when ready), GET /metrics (Prometheus; on its own
plain-HTTP listener with --metrics-addr), GET /iceservers (STUN/TURN for WebRTC;
the embedded TURN server with --turn-listen) and the browser interface at /. Without
--tls-cert/--tls-key it makes a self-signed certificate for localhost, 127.0.0.1,
::1 and the --tls-host names and logs its SHA-256 fingerprint. Stops gracefully
on SIGINT or SIGTERM (peers get close code 1001).

With --cluster-listen (and --cluster-routes to the other nodes) or --nats, several
servers share their rooms over NATS as one service (embedded nats-server, room
directory in JetStream); without them the server is a single process.

Flags:
`

// options are the parsed flags.
type options struct {
	addr, certFile, keyFile, metricsAddr, logLevel string
	plain, pprof                                   bool
	tlsHosts, origins                              stringList
	capacity, maxConns, maxPerIP, gcPercent        int
	joinTimeout                                    time.Duration

	// Cluster (package cluster): any of these makes the server a node.
	clusterListen, clusterName, natsURL string
	clusterClientListen                 string
	clusterRoutes, clusterPeers         stringList
	clusterReplicas                     int
	clusterDeadAfter                    time.Duration

	// ice are the embedded TURN server's and GET /iceservers' flags (turn.go).
	ice *iceFlags
}

// clustered reports whether a cluster flag was given.
func (o *options) clustered() bool { return o.clusterListen != "" || o.natsURL != "" }

// parseFlags parses and checks the command line.
func parseFlags(args []string) (*options, error) {
	fs := flag.NewFlagSet("signaling", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	def := server.DefaultConfig()
	o := &options{}
	fs.StringVar(&o.addr, "addr", ":8443", "listen address host:port")
	fs.BoolVar(&o.plain, "plain", false, "serve plain ws:// and http:// instead of TLS")
	fs.StringVar(&o.certFile, "tls-cert", "", "PEM certificate file (with --tls-key)")
	fs.StringVar(&o.keyFile, "tls-key", "", "PEM private key file (with --tls-cert)")
	fs.Var(&o.tlsHosts, "tls-host", "extra DNS name or IP for the self-signed certificate (repeatable or comma-separated)")
	fs.IntVar(&o.capacity, "room-capacity", def.RoomCapacity, "participants per room")
	fs.Var(&o.origins, "allowed-origins", `browser origins allowed to connect, e.g. https://host:8443 (comma-separated, "*" for any; default: same origin only)`)
	fs.IntVar(&o.maxConns, "max-conns", 0, "maximum open WebSocket connections (0 = no limit)")
	fs.IntVar(&o.maxPerIP, "max-conns-per-ip", 0, "maximum open WebSocket connections from one source address (0 = no limit)")
	fs.DurationVar(&o.joinTimeout, "join-timeout", def.JoinTimeout, "close a connection that stays outside a room this long (Error join-timeout)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", `serve /metrics on this plain-HTTP address (e.g. 127.0.0.1:9102) instead of the main listener; "off" serves it nowhere`)
	fs.IntVar(&o.gcPercent, "gc-percent", defaultGCPercent, "garbage collector target (GOGC): heap growth in percent of the live heap before a collection; lower holds less memory per connection for more CPU under load (the GOGC variable overrides it)")
	fs.BoolVar(&o.pprof, "pprof", false, "also serve Go's /debug/pprof/ on the --metrics-addr listener (profiling; keep it on loopback)")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&o.clusterListen, "cluster-listen", "", "make this server a node of a cluster: host:port of its embedded NATS server's cluster port")
	fs.StringVar(&o.clusterClientListen, "cluster-client-listen", "", "host:port of the embedded NATS server's client port, which nothing outside uses (empty: a random loopback port)")
	fs.Var(&o.clusterRoutes, "cluster-routes", "the other nodes' cluster ports, nats-route://host:port (comma-separated or repeated)")
	fs.StringVar(&o.clusterName, "cluster-name", "echtzeit", "the cluster's name, the same on every node")
	fs.StringVar(&o.natsURL, "nats", "", "join the cluster through an existing NATS deployment with JetStream (nats://host:4222) instead of --cluster-listen")
	fs.Var(&o.clusterPeers, "cluster-peers", "the other nodes' public WebSocket URLs (wss://node2:8443/ws), for the page to move to when this one fails")
	fs.IntVar(&o.clusterReplicas, "cluster-replicas", 0, "copies of the room directory (0: 3, or fewer with fewer nodes)")
	fs.DurationVar(&o.clusterDeadAfter, "cluster-dead-after", 8*time.Second, "a node without heartbeat this long is down: its participants leave their rooms on the others")
	o.ice = addICEFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q (see --help)", fs.Args())
	}
	return o, o.check()
}

// check reports the first invalid flag. Checked here: server.Config reads zero
// as "default".
func (o *options) check() error {
	switch {
	case o.capacity < 1:
		return fmt.Errorf("--room-capacity must be at least 1, got %d", o.capacity)
	case o.maxConns < 0:
		return fmt.Errorf("--max-conns must not be negative, got %d", o.maxConns)
	case o.maxPerIP < 0:
		return fmt.Errorf("--max-conns-per-ip must not be negative, got %d", o.maxPerIP)
	case o.joinTimeout <= 0:
		return fmt.Errorf("--join-timeout must be greater than zero, got %s", o.joinTimeout)
	case o.gcPercent < 1:
		return fmt.Errorf("--gc-percent must be at least 1, got %d", o.gcPercent)
	case o.pprof && (o.metricsAddr == "" || o.metricsAddr == "off"):
		return errors.New("--pprof needs --metrics-addr")
	case o.plain && (o.certFile != "" || o.keyFile != ""):
		return errors.New("--plain and --tls-cert/--tls-key exclude each other")
	case (o.certFile == "") != (o.keyFile == ""):
		return errors.New("--tls-cert and --tls-key go together")
	case o.natsURL != "" && (o.clusterListen != "" || len(o.clusterRoutes) > 0):
		return errors.New("--nats excludes --cluster-listen and --cluster-routes")
	case o.clusterClientListen != "" && o.clusterListen == "":
		return errors.New("--cluster-client-listen needs --cluster-listen")
	case len(o.clusterRoutes) > 0 && o.clusterListen == "":
		return errors.New("--cluster-routes needs --cluster-listen")
	case o.clusterReplicas < 0 || o.clusterReplicas > 5:
		return fmt.Errorf("--cluster-replicas must be 0 to 5, got %d", o.clusterReplicas)
	case o.clusterDeadAfter < 2*time.Second:
		return fmt.Errorf("--cluster-dead-after must be at least 2s, got %s", o.clusterDeadAfter)
	}
	return nil
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
