package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"
)

// Config configures a node.
type Config struct {
	// Name is the cluster's name (nats cluster name, subject and bucket
	// prefix); every node of a cluster uses the same.
	Name string
	// Listen is the host:port of the embedded NATS server's cluster port.
	Listen string
	// ClientListen is the host:port of the embedded NATS server's client
	// port. The node itself connects in process, but NATS starts routing
	// only after its client listener; empty means a random loopback port.
	ClientListen string
	// Routes are the other nodes' cluster ports (nats-route://host:port).
	Routes []string
	// NATSURL joins an existing NATS deployment (with JetStream) instead of
	// embedding a server; Listen and Routes are then unused.
	NATSURL string
	// StoreDir holds the embedded JetStream's state (Raft logs); empty means
	// a temporary folder removed by Close.
	StoreDir string
	// Replicas of the room bucket; 0 means min(3, nodes known at start).
	Replicas int
	// Heartbeat is how often the node says it is alive; DeadAfter how long a
	// node may stay silent before the others count it as down.
	Heartbeat, DeadAfter time.Duration
	// StartTimeout bounds the wait for the cluster's JetStream to elect a
	// leader and the bucket to exist.
	StartTimeout time.Duration
	// Logger receives the node's and the embedded server's logs.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = "echtzeit"
	}
	if c.Heartbeat == 0 {
		c.Heartbeat = time.Second
	}
	if c.DeadAfter == 0 {
		c.DeadAfter = 8 * time.Second
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = time.Minute
	}
	if c.Replicas == 0 {
		c.Replicas = min(3, 1+len(c.Routes))
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports every invalid field.
func (c Config) Validate() error {
	var errs []error
	switch {
	case c.NATSURL == "" && c.Listen == "":
		errs = append(errs, errors.New("'Listen' or 'NATSURL' is needed"))
	case c.NATSURL != "" && (c.Listen != "" || len(c.Routes) > 0):
		errs = append(errs, errors.New("'NATSURL' excludes 'Listen' and 'Routes'"))
	}
	for name, addr := range map[string]string{"Listen": c.Listen, "ClientListen": c.ClientListen} {
		if addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			errs = append(errs, fmt.Errorf("'%s' %q: %w", name, addr, err))
		}
	}
	if c.NATSURL != "" && c.ClientListen != "" {
		errs = append(errs, errors.New("'NATSURL' excludes 'ClientListen'"))
	}
	for _, r := range c.Routes {
		if !strings.HasPrefix(r, "nats-route://") && !strings.HasPrefix(r, "nats://") {
			errs = append(errs, fmt.Errorf("'Routes' entry %q must be nats-route://host:port", r))
		}
	}
	for _, ch := range c.Name {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
			errs = append(errs, fmt.Errorf("'Name' %q may hold letters, digits, - and _ only", c.Name))
			break
		}
	}
	if c.Replicas < 1 || c.Replicas > 5 {
		errs = append(errs, fmt.Errorf("'Replicas' must be 1 to 5, got %d", c.Replicas))
	}
	if c.Heartbeat <= 0 || c.DeadAfter < 2*c.Heartbeat {
		errs = append(errs, fmt.Errorf("'DeadAfter' (%s) must be at least twice 'Heartbeat' (%s)", c.DeadAfter, c.Heartbeat))
	}
	return errors.Join(errs...)
}
