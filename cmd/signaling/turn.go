package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"echtzeit/signaling/server"
	"echtzeit/signaling/turn"
)

// secretEnv holds the TURN secret when --turn-secret is not given (keeps it
// out of the process list).
const secretEnv = "ECHTZEIT_TURN_SECRET"

// iceFlags are the flags of the embedded TURN server and of GET /iceservers.
type iceFlags struct {
	listen, publicIP, realm, secret string
	ttl                             time.Duration
	extra                           stringList
}

func addICEFlags(fs *flag.FlagSet) *iceFlags {
	f := &iceFlags{}
	fs.StringVar(&f.listen, "turn-listen", "", "run the embedded TURN/STUN server on HOST:PORT, UDP and TCP (off when empty)")
	fs.StringVar(&f.publicIP, "turn-public-ip", "", "IP clients reach the TURN server at and the relay addresses it announces (default: the --turn-listen host)")
	fs.StringVar(&f.realm, "turn-realm", turn.DefaultRealm, "TURN realm")
	fs.StringVar(&f.secret, "turn-secret", "", "shared secret of the TURN REST credentials (coturn's static-auth-secret; default: $"+secretEnv+")")
	fs.DurationVar(&f.ttl, "turn-ttl", turn.DefaultTTL, "validity of the credentials GET /iceservers hands out")
	fs.Var(&f.extra, "ice-server", "extra STUN/TURN URL for GET /iceservers, e.g. stun:stun.example.org:3478 or turn:coturn.example.org:3478?transport=udp (TURN ones get credentials from --turn-secret; repeatable or comma-separated)")
	return f
}

// newServer builds the signaling server with GET /iceservers and, when asked,
// the embedded TURN server and its metrics; the closer stops the TURN server
// (an early exit of the program stops it with the process).
func (f *iceFlags) newServer(cfg server.Config, logger *slog.Logger) (*server.Server, io.Closer, error) {
	closer, err := f.setup(&cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	srv, err := server.New(cfg, logger)
	if err != nil {
		return nil, nil, errors.Join(err, closer.Close())
	}
	return srv, closer, nil
}

// setup starts the TURN server when asked and adds GET /iceservers and the
// TURN metrics to cfg; the closer stops the TURN server.
func (f *iceFlags) setup(cfg *server.Config, logger *slog.Logger) (io.Closer, error) {
	if f.secret == "" {
		f.secret = os.Getenv(secretEnv)
	}
	if f.ttl <= 0 {
		return nil, fmt.Errorf("--turn-ttl must be greater than zero, got %s", f.ttl)
	}
	var urls []string
	var closer io.Closer = nopCloser{}
	if f.listen != "" {
		tc := turn.Config{Listen: f.listen, Realm: f.realm, Secret: f.secret, Logger: logger.With("part", "turn")}
		if f.publicIP != "" {
			if tc.PublicIP = net.ParseIP(f.publicIP); tc.PublicIP == nil {
				return nil, fmt.Errorf("--turn-public-ip: %q is not an IP address", f.publicIP)
			}
		}
		ts, err := turn.Start(tc)
		if err != nil {
			return nil, err
		}
		urls = ts.URLs()
		cfg.Collectors = append(cfg.Collectors, ts.Metrics().Collectors()...)
		closer = ts
	} else if f.publicIP != "" {
		return nil, fmt.Errorf("--turn-public-ip needs --turn-listen")
	}
	dir, err := turn.NewDirectory(f.secret, f.ttl, append(urls, f.extra...)...)
	if err != nil {
		_ = closer.Close()
		return nil, err
	}
	if cfg.Handlers == nil {
		cfg.Handlers = map[string]http.Handler{}
	}
	cfg.Handlers[turn.Path] = dir
	return closer, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }
