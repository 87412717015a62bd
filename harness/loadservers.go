package harness

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"echtzeit/harness/results"
	"echtzeit/signaling/client"
	"echtzeit/signaling/server"
)

// clusterReady bounds a cluster node's start: its JetStream waits for the
// other nodes and elects a leader (~10 s on a busy machine).
const clusterReady = 60 * time.Second

// loadServers are the signaling processes of one signaling-load trial: one
// server, or the nodes of a local cluster, started fresh for the trial so
// that its baseline RSS and CPU are those of an empty server.
type loadServers struct {
	nodes []*endpoint
	dir   string // the shared certificate
}

// loadServerAttempts bounds the starts of a trial's servers: a port found
// free can be taken before the node binds it (by another process's outgoing
// connection, or a node's own route to another node: both get ports from the
// same ephemeral range), and then the node cannot start.
const loadServerAttempts = 3

// startLoadServers starts n signaling processes on free loopback ports of
// the harness's network namespace (scripts/netns.sh gives it a private one),
// on new ports again when a node does not get ready (up to
// loadServerAttempts times). They share one self-signed certificate, so one
// pinned fingerprint reaches every node. With n > 1 they form a cluster:
// each runs its embedded NATS server on a cluster port of its own with
// routes to all the others.
func (r *runner) startLoadServers(ctx context.Context, n, capacity int) (*loadServers, error) {
	for attempt := 1; ; attempt++ {
		ls, err := r.startLoadServersOnce(ctx, n, capacity)
		var pe *partError
		if err == nil || attempt == loadServerAttempts || ctx.Err() != nil || !errors.As(err, &pe) {
			return ls, err
		}
		r.logger.Warn("signaling servers not ready, starting them again on other ports", "attempt", attempt, "err", pe.reason)
	}
}

// startLoadServersOnce is one attempt of startLoadServers.
func (r *runner) startLoadServersOnce(ctx context.Context, n, capacity int) (*loadServers, error) {
	bin, err := r.signalingBinary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "echtzeit-load-")
	if err != nil {
		return nil, fmt.Errorf("certificate folder: %w", err)
	}
	ls := &loadServers{dir: dir}
	id, err := writeCertificate(dir)
	if err != nil {
		return nil, errors.Join(err, ls.stop())
	}
	// Per node: the server's port, the cluster port and the embedded NATS
	// server's client port, all chosen here, so that no node's random port
	// takes one reserved for another that has not started yet.
	ports, err := freePorts(3 * n)
	if err != nil {
		return nil, errors.Join(err, ls.stop())
	}
	var routes []string
	for i := range n {
		routes = append(routes, "nats-route://127.0.0.1:"+strconv.Itoa(ports[n+i]))
	}
	within := 15 * time.Second
	for i := range n {
		addr := "127.0.0.1:" + strconv.Itoa(ports[i])
		args := []string{"--addr", addr, "--tls-cert", id.certFile, "--tls-key", id.keyFile,
			"--room-capacity", strconv.Itoa(capacity), "--log-level", "warn"}
		if n > 1 {
			within = clusterReady
			args = append(args, "--cluster-listen", "127.0.0.1:"+strconv.Itoa(ports[n+i]),
				"--cluster-client-listen", "127.0.0.1:"+strconv.Itoa(ports[2*n+i]),
				"--cluster-routes", strings.Join(routes, ","), "--cluster-name", fmt.Sprintf("ezload%d", os.Getpid()))
		}
		c, err := startChild(nodeName(i), bin, args, r.logger)
		if err != nil {
			return nil, errors.Join(err, ls.stop())
		}
		ep := &endpoint{
			wsURL: "wss://" + addr + "/ws", baseURL: "https://" + addr, metricsURL: "https://" + addr + "/metrics",
			fingerprint: id.fp, proc: c, http: pinnedHTTPClient(id.fp, nil),
			opts: []client.Option{client.WithFingerprint(id.fp), client.WithLogger(r.logger)},
		}
		ls.nodes = append(ls.nodes, ep)
	}
	// The nodes of a cluster wait for each other: all are started before
	// the first is awaited.
	for _, ep := range ls.nodes {
		if _, err := waitHealthy(ctx, ep.proc, ep.baseURL+"/healthz", nil, within); err != nil {
			err = &partError{part: ep.proc.Name(), reason: fmt.Sprintf("signaling server not ready: %v", err), tail: tailLines(ep.proc.Tail(), 20)}
			return nil, errors.Join(err, ls.stop())
		}
	}
	r.logger.Info("signaling servers ready for the load", "nodes", n, "urls", ls.urls())
	return ls, nil
}

// nodeName is the process name of node i: "signaling" for the first (the
// name the reports know), "signaling-2" and up for the others.
func nodeName(i int) string {
	if i == 0 {
		return results.ProcessSignaling
	}
	return fmt.Sprintf("%s-%d", results.ProcessSignaling, i+1)
}

func (ls *loadServers) urls() []string {
	var out []string
	for _, ep := range ls.nodes {
		out = append(out, ep.wsURL)
	}
	return out
}

func (ls *loadServers) pids() []string {
	var out []string
	for _, ep := range ls.nodes {
		out = append(out, strconv.Itoa(ep.proc.PID()))
	}
	return out
}

// dead returns the first node that exited, nil while all run.
func (ls *loadServers) dead() *endpoint {
	for _, ep := range ls.nodes {
		if !ep.alive() {
			return ep
		}
	}
	return nil
}

// stop stops every node and removes the certificate.
func (ls *loadServers) stop() error {
	var errs []error
	for _, ep := range ls.nodes {
		errs = append(errs, ep.stop())
		ep.http.CloseIdleConnections()
	}
	ls.nodes = nil
	if ls.dir != "" {
		errs = append(errs, os.RemoveAll(ls.dir))
	}
	return errors.Join(errs...)
}

// certificate is a self-signed certificate and its key, written as PEM.
type certificate struct {
	certFile, keyFile string
	fp                string // SHA-256 of the certificate (hex), what clients pin
	spki              string // base64 SHA-256 of its public key, what Chromium trusts
}

// writeCertificate writes a self-signed certificate and its key as PEM into
// dir.
func writeCertificate(dir string) (certificate, error) {
	cert, err := server.SelfSignedCertificate()
	if err != nil {
		return certificate{}, err
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		return certificate{}, fmt.Errorf("encode the key: %w", err)
	}
	spki, err := server.SPKIFingerprint(cert)
	if err != nil {
		return certificate{}, err
	}
	c := certificate{certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem"), fp: server.Fingerprint(cert), spki: spki}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})
	if err := errors.Join(os.WriteFile(c.certFile, certPEM, 0o600), os.WriteFile(c.keyFile, keyPEM, 0o600)); err != nil {
		return certificate{}, fmt.Errorf("write the certificate: %w", err)
	}
	return c, nil
}

// freePorts asks the kernel for n different free loopback TCP ports (held
// open together, so none is given twice).
func freePorts(n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}()
	var out []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}
