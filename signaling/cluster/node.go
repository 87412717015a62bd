package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"echtzeit/signaling/server"
)

// Node is one signaling process's membership in a cluster. It implements
// server.Cluster. Create it with Start, stop it with Close.
type Node struct {
	cfg  Config
	id   string
	ns   *natsserver.Server // nil with Config.NATSURL
	nc   *nats.Conn
	kv   jetstream.KeyValue
	dir  string // temporary StoreDir to remove, or ""
	subj string // this node's event subject

	mu      sync.Mutex
	handler server.ClusterHandler
	seen    map[string]peer // the other nodes heard of or named in a room
	started time.Time       // when this node began to listen for heartbeats
	subs    []*nats.Subscription

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Errors of the package.
var (
	// ErrNotReady means the cluster's room directory did not become usable
	// within Config.StartTimeout (no JetStream leader: too few nodes up?).
	ErrNotReady = errors.New("cluster room directory not ready")
)

// Start starts (or joins) the cluster and waits until its room directory is
// usable. Heartbeats run until Close.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("cluster config: %w", err)
	}
	n := &Node{cfg: cfg, id: newNodeID(), seen: make(map[string]peer), stop: make(chan struct{}), done: make(chan struct{})}
	n.subj = n.nodeSubject(n.id)
	if err := n.connect(); err != nil {
		n.shutdown()
		return nil, err
	}
	if err := n.openBucket(ctx); err != nil {
		n.shutdown()
		return nil, err
	}
	hb, err := n.nc.Subscribe(n.subject("hb"), n.onHeartbeat)
	if err != nil {
		n.shutdown()
		return nil, fmt.Errorf("subscribe to heartbeats: %w", err)
	}
	n.subs = append(n.subs, hb)
	n.mu.Lock()
	n.started = time.Now()
	n.mu.Unlock()
	go n.heartbeats()
	cfg.Logger.Info("cluster node ready", "node", n.id, "cluster", cfg.Name, "replicas", cfg.Replicas)
	return n, nil
}

func newNodeID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// connect starts the embedded NATS server (or dials Config.NATSURL) and
// connects to it.
func (n *Node) connect() error {
	if n.cfg.NATSURL != "" {
		nc, err := nats.Connect(n.cfg.NATSURL, nats.Name("echtzeit-signaling-"+n.id), nats.MaxReconnects(-1))
		if err != nil {
			return fmt.Errorf("connect to NATS %s: %w", n.cfg.NATSURL, err)
		}
		n.nc = nc
		return nil
	}
	host, portStr, _ := net.SplitHostPort(n.cfg.Listen)
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return fmt.Errorf("cluster listen port %q: %w", portStr, err)
	}
	// The node connects in process. A client port is needed all the same
	// (routing starts after the client listener, DontListen never starts
	// it): ClientListen, or a random one on loopback.
	clientHost, clientPort := "127.0.0.1", natsserver.RANDOM_PORT
	if n.cfg.ClientListen != "" {
		h, p, _ := net.SplitHostPort(n.cfg.ClientListen)
		if clientPort, err = strconv.Atoi(p); err != nil {
			return fmt.Errorf("cluster client port %q: %w", p, err)
		}
		if clientPort == 0 { // 0 would be NATS's default, 4222
			clientPort = natsserver.RANDOM_PORT
		}
		clientHost = h
	}
	dir := n.cfg.StoreDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "echtzeit-cluster-"); err != nil {
			return fmt.Errorf("JetStream store: %w", err)
		}
		n.dir = dir
	}
	opts := &natsserver.Options{
		ServerName:         "echtzeit-" + n.id,
		Host:               clientHost,
		Port:               clientPort,
		JetStream:          true,
		StoreDir:           dir,
		JetStreamMaxMemory: 256 << 20,
		JetStreamMaxStore:  256 << 20,
		NoSigs:             true,
		Cluster:            natsserver.ClusterOpts{Name: n.cfg.Name, Host: host, Port: port},
		Routes:             natsserver.RoutesFromStr(strings.Join(n.cfg.Routes, ",")),
	}
	ns, err := natsserver.NewServer(opts)
	if err != nil {
		return fmt.Errorf("embedded NATS server: %w", err)
	}
	logger := &natsLogger{log: n.cfg.Logger.With("part", "nats"), fatal: make(chan string, 1)}
	ns.SetLoggerV2(logger, false, false, false)
	go ns.Start()
	if err := waitNATS(ns, logger.fatal, 30*time.Second); err != nil {
		ns.Shutdown()
		return fmt.Errorf("embedded NATS server on %s did not start: %w", n.cfg.Listen, err)
	}
	n.ns = ns
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.Name("echtzeit-signaling-"+n.id))
	if err != nil {
		return fmt.Errorf("connect to the embedded NATS server: %w", err)
	}
	n.nc = nc
	return nil
}

// openBucket creates (or opens) the room bucket, retrying while JetStream
// elects its leader.
//
// The bucket's stream is made here rather than by CreateKeyValue, to turn
// off direct gets: with them a read may be answered by a replica that has
// not applied the latest write yet, and a change computed from a stale list
// that turns out to need no write (a leave of a member the replica does not
// have yet) would be lost. Without them every read goes to the stream's
// leader, and every write is a compare-and-set against it.
func (n *Node) openBucket(ctx context.Context) error {
	js, err := jetstream.New(n.nc)
	if err != nil {
		return fmt.Errorf("JetStream: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.StartTimeout)
	defer cancel()
	bucket := "echtzeit_rooms_" + n.cfg.Name
	scfg := jetstream.StreamConfig{
		Name:              "KV_" + bucket,
		Description:       "echtzeit signaling: members of each room (key: SHA-256 of the room ID)",
		Subjects:          []string{"$KV." + bucket + ".>"},
		MaxMsgsPerSubject: 1,
		MaxMsgs:           -1,
		MaxBytes:          -1,
		Discard:           jetstream.DiscardNew,
		AllowRollup:       true,
		DenyDelete:        true,
		AllowDirect:       false,
		Duplicates:        2 * time.Minute,
		Storage:           jetstream.MemoryStorage,
		Replicas:          n.cfg.Replicas,
	}
	var lastErr error
	for {
		actx, acancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := js.CreateOrUpdateStream(actx, scfg)
		if err == nil {
			var kv jetstream.KeyValue
			if kv, err = js.KeyValue(actx, bucket); err == nil {
				acancel()
				n.kv = kv
				return nil
			}
		}
		acancel()
		lastErr = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrNotReady, lastErr)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// NodeID implements server.Cluster.
func (n *Node) NodeID() string { return n.id }

// ClusterAddr is the embedded server's cluster address (host:port), or "".
func (n *Node) ClusterAddr() string {
	if n.ns == nil {
		return ""
	}
	if a := n.ns.ClusterAddr(); a != nil {
		return a.String()
	}
	return ""
}

func (n *Node) subject(s string) string { return "echtzeit." + n.cfg.Name + "." + s }

func (n *Node) nodeSubject(node string) string { return n.subject("node." + node) }

// Attach implements server.Cluster.
func (n *Node) Attach(h server.ClusterHandler) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.handler != nil {
		return errors.New("cluster node: a handler is attached already")
	}
	sub, err := n.nc.Subscribe(n.subj, n.onEvent)
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", n.subj, err)
	}
	if err := n.nc.Flush(); err != nil {
		return fmt.Errorf("subscribe to %s: %w", n.subj, err)
	}
	n.handler = h
	n.subs = append(n.subs, sub)
	return nil
}

// Close leaves the cluster: no more heartbeats (the others count this node
// as down after DeadAfter unless its participants left before), and the
// embedded server shuts down.
func (n *Node) Close() error {
	n.shutdown()
	return nil
}

func (n *Node) shutdown() {
	n.once.Do(func() {
		close(n.stop)
		if n.kv != nil {
			<-n.done // heartbeats
		}
		if n.nc != nil {
			_ = n.nc.Drain()
			n.nc.Close()
		}
		if n.ns != nil {
			n.ns.Shutdown()
			n.ns.WaitForShutdown()
		}
		if n.dir != "" {
			_ = os.RemoveAll(n.dir)
		}
	})
}

// waitNATS waits until ns takes connections, at most within; it gives up
// at once when the server reports a fatal error (a port it cannot bind: the
// server itself would go on and wait for routes that never come).
func waitNATS(ns *natsserver.Server, fatal <-chan string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		if ns.ReadyForConnections(100 * time.Millisecond) {
			return nil
		}
		select {
		case msg := <-fatal:
			return errors.New(msg)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready within %s", within)
		}
	}
}

// natsLogger passes the embedded server's logs to slog: its notices at debug
// level (it is chatty), warnings and errors as such. Its fatal errors also
// go to fatal (the first one; the server does not stop on them when it has a
// logger of its own).
type natsLogger struct {
	log interface {
		Debug(string, ...any)
		Warn(string, ...any)
		Error(string, ...any)
	}
	fatal chan string
}

func (l *natsLogger) Noticef(f string, v ...any) { l.log.Debug(fmt.Sprintf(f, v...)) }
func (l *natsLogger) Warnf(f string, v ...any)   { l.log.Warn(fmt.Sprintf(f, v...)) }
func (l *natsLogger) Fatalf(f string, v ...any) {
	msg := fmt.Sprintf(f, v...)
	l.log.Error(msg)
	select {
	case l.fatal <- msg:
	default:
	}
}
func (l *natsLogger) Errorf(f string, v ...any) { l.log.Error(fmt.Sprintf(f, v...)) }
func (l *natsLogger) Debugf(f string, v ...any) { l.log.Debug(fmt.Sprintf(f, v...)) }
func (l *natsLogger) Tracef(f string, v ...any) {}
