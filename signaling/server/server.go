package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"echtzeit/signaling/protocol"
)

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("signaling server closed")

// Server is the signaling server. Create it with New, serve with Serve (or mount
// Handler in an http.Server of your own) and stop it with Close.
type Server struct {
	cfg      Config
	log      *slog.Logger
	metrics  *metrics
	upgrader websocket.Upgrader
	handler  http.Handler
	mhandler http.Handler
	tags     tagger
	limits   limits
	rooms    directory
	keeper   *keeper

	mu      sync.Mutex
	closed  bool
	conns   map[*conn]struct{}
	perIP   map[netip.Addr]int
	servers []*http.Server
	connWG  sync.WaitGroup // one per registered connection's reader

	done      chan struct{} // closed by Close
	closeOnce sync.Once
}

// writeBufferPool lends gorilla a write buffer only while a message is being
// written: an idle connection holds none.
var writeBufferPool sync.Pool

// New checks cfg (zero fields take DefaultConfig's values) and builds a Server.
// The server's keeper (pings, deadlines) runs from New until Close.
func New(cfg Config, logger *slog.Logger) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("signaling server config: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:     cfg,
		log:     logger,
		metrics: m,
		tags:    newTagger(),
		conns:   make(map[*conn]struct{}),
		perIP:   make(map[netip.Addr]int),
		done:    make(chan struct{}),
	}
	s.limits = limits{
		msgRate: float64(cfg.RateLimit), msgBurst: float64(cfg.RateBurst),
		byteRate: float64(cfg.ByteRate), byteBurst: float64(cfg.ByteBurst),
		grantMsgs: float64(cfg.JoinGrant), grantBytes: float64(cfg.JoinGrantBytes),
		off: cfg.RateLimit == rate.Inf,
	}
	if cfg.Cluster != nil {
		if s.rooms, err = newClusterRooms(s, cfg.Cluster); err != nil {
			return nil, err
		}
	} else {
		s.rooms = newLocalRooms(s)
	}
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: cfg.HandshakeTimeout,
		// No read buffer of gorilla's own: it takes the 512-byte one the
		// hijacker hands it (netconn.go). Frame headers and small messages
		// pass through it, larger payloads go straight to the message buffer.
		WriteBufferSize: 16 << 10,
		WriteBufferPool: &writeBufferPool,
		CheckOrigin:     s.checkOrigin,
	}
	s.mhandler = promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", s.serveWS)
	mux.HandleFunc("/healthz", s.serveHealth)
	if !cfg.SeparateMetrics {
		mux.Handle("/metrics", s.mhandler)
	}
	for path, h := range cfg.Handlers {
		mux.Handle(path, h)
	}
	for _, c := range cfg.Collectors {
		if err := m.registry.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	if cfg.UI != nil {
		mux.Handle("/", cfg.UI)
	} else {
		mux.Handle("/", http.NotFoundHandler())
	}
	s.handler = mux
	s.keeper = newKeeper(s)
	go s.keeper.run()
	return s, nil
}

// Handler serves /ws, /healthz, /metrics (unless Config.SeparateMetrics) and /
// (Config.UI).
func (s *Server) Handler() http.Handler { return s.handler }

// MetricsHandler serves the Prometheus metrics, for a listener of their own.
func (s *Server) MetricsHandler() http.Handler { return s.mhandler }

// Serve accepts connections on ln (speaking TLS when Config.TLS is set) until
// ctx is cancelled or Close is called; then it shuts the server down gracefully
// and returns nil. Other failures of the listener are returned.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var tcfg *tls.Config
	if s.cfg.TLS != nil {
		tcfg = s.cfg.TLS.Clone()
		tcfg.NextProtos = []string{"http/1.1"} // WebSocket needs HTTP/1.1
		// One message, one TLS record, one write(2): with dynamic record
		// sizing crypto/tls cuts a message over ~1.2 KB (an SDP) into
		// MSS-sized records, each written on its own, until a connection has
		// sent 1 MB, and signaling connections never do.
		tcfg.DynamicRecordSizingDisabled = true
	}
	ln = &peerListener{Listener: ln, tls: tcfg, keepalive: net.KeepAliveConfig{
		Enable: true, Idle: s.cfg.TCPKeepAlive, Interval: s.cfg.TCPKeepAlive / 2, Count: 3,
	}}
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.HandshakeTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ln.Close()
		return ErrServerClosed
	}
	s.servers = append(s.servers, hs)
	s.mu.Unlock()

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		_ = s.Close()
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	case <-s.done:
	}
	err := s.Close()
	<-errc
	return err
}

// Close stops accepting connections, sends every peer a close frame with code
// 1001 (going away), waits up to Config.CloseGrace for the peers' answers, drops
// the rest and waits for every connection goroutine. It is safe to call more
// than once.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		servers := slices.Clone(s.servers)
		conns := make([]*conn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		close(s.done)
		s.keeper.close()

		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.CloseGrace)
		defer cancel()
		for _, hs := range servers {
			// Shutdown closes the listeners and idle connections; hijacked
			// WebSocket connections are ours to close below.
			if e := hs.Shutdown(ctx); e != nil {
				// Requests still running after CloseGrace are cut off.
				if e := hs.Close(); e != nil {
					err = errors.Join(err, fmt.Errorf("close HTTP server: %w", e))
				}
			}
		}
		for _, c := range conns {
			c.setReason(reasonShutdown, "server shutting down")
			s.requestClose(c, websocket.CloseGoingAway, "server shutting down")
		}
		waited := make(chan struct{})
		go func() { s.connWG.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(s.cfg.CloseGrace):
			for _, c := range conns {
				c.kill(reasonShutdown, "server shutting down, peer did not answer the close frame")
			}
			<-waited
		}
		err = errors.Join(err, s.rooms.close())
		s.log.Info("signaling server closed", "connections", len(conns))
	})
	return err
}

func (s *Server) serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	select {
	case <-s.done:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "shutting down\n")
	default:
		_, _ = io.WriteString(w, "ok\n")
	}
}

// errorMessage encodes an Error and counts it.
func (s *Server) errorMessage(code, message string) outgoing {
	s.metrics.errors.WithLabelValues(code).Inc()
	data, err := protocol.Encode(protocol.Error{Code: code, Message: message})
	if err != nil {
		// Only an empty code fails; every caller passes a constant.
		data = []byte(`{"type":"Error","code":"` + protocol.CodeProtocolViolation + `","message":"internal error"}`)
	}
	return outgoing{frame: appendFrame(make([]byte, 0, frameHeaderMax+len(data)), opBinary, data), typ: protocol.TypeError}
}

// serveWS upgrades the request, registers the connection and hands it to a
// reader goroutine of its own. The HTTP handler then returns, so net/http's
// per-request state (buffers, request, response) is garbage at once instead of
// living as long as the WebSocket.
//
// With ?room=ID in the URL (join on connect) the server joins the room right
// after Hello, as if JoinOrCreate{room: ID} had been the peer's first
// message: Joined (or Error room-full) follows Hello without a round trip,
// and the peer must not send JoinOrCreate for it (that would be a second
// one). A malformed ID is refused with HTTP 400 before the upgrade.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	room, err := connectRoom(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	hj := &hijacker{ResponseWriter: w}
	ws, err := s.upgrader.Upgrade(hj, r, nil) // answers the HTTP error itself
	if err != nil {
		s.log.Debug("websocket upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	remote, _ := netip.ParseAddrPort(r.RemoteAddr)
	now := time.Now()
	id := protocol.NewParticipantID()
	c := &conn{id: id, tag: s.tags.participant(id), ws: ws, remote: remote, opened: now}
	c.nc = ws.NetConn()
	switch nc := c.nc.(type) {
	case *peerConn:
		c.pc, c.br, c.raw = nc, hj.br, nc.raw.TCPConn
	case *tls.Conn:
		c.raw = nc.NetConn()
	default:
		c.raw = nc
	}
	s.installHandlers(c)
	c.onPong = func() error { return s.pong(c) }
	c.lastSeen.Store(now.UnixNano())
	c.unjoinedSince.Store(now.UnixNano())
	s.limits.init(&c.limits, now.UnixNano())

	if code, text, closeCode := s.register(c); code != "" {
		s.refuse(ws, code, text, closeCode)
		return
	}
	s.metrics.connections.Inc()
	s.metrics.connsTotal.Inc()
	s.log.Info("connection open", "conn", c.tag, "remote", remote.String())
	if hello, err := s.encode(protocol.Hello{ID: c.id}); err == nil {
		s.sendTo(c, hello)
	}
	if room != "" {
		// A fresh connection is in no room: join has no violation to report.
		_ = s.rooms.join(c, room)
	}
	go s.serveConn(c)
}

// connectRoom returns the room of a join on connect (?room=ID), "" without one.
func connectRoom(r *http.Request) (protocol.RoomID, error) {
	v, ok := r.URL.Query()["room"]
	if !ok {
		return "", nil
	}
	if len(v) != 1 {
		return "", errors.New("bad room parameter: give it once")
	}
	id, err := protocol.ParseRoomID(v[0])
	if err != nil {
		return "", fmt.Errorf("bad room parameter: %w", err)
	}
	return id, nil
}

// register admits c under MaxConns and MaxConnsPerIP; it returns the refusal's
// Error code, text and close code, or "".
func (s *Server) register(c *conn) (string, string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return protocol.CodeServerShutdown, "server shutting down", websocket.CloseGoingAway
	case s.cfg.MaxConns > 0 && len(s.conns) >= s.cfg.MaxConns:
		return protocol.CodeServerFull, fmt.Sprintf("server is full (%d connections)", s.cfg.MaxConns), websocket.CloseTryAgainLater
	case s.cfg.MaxConnsPerIP > 0 && s.perIP[c.remote.Addr()] >= s.cfg.MaxConnsPerIP:
		return protocol.CodeServerFull, fmt.Sprintf("too many connections from your address (%d)", s.cfg.MaxConnsPerIP), websocket.CloseTryAgainLater
	}
	s.conns[c] = struct{}{}
	s.perIP[c.remote.Addr()]++
	s.connWG.Add(1)
	s.keeper.add(c)
	return "", "", 0
}

func (s *Server) unregister(c *conn) {
	s.keeper.remove(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	a := c.remote.Addr()
	if s.perIP[a]--; s.perIP[a] <= 0 {
		delete(s.perIP, a)
	}
}

// finish cleans up after c's reader ended.
func (s *Server) finish(c *conn) {
	defer s.connWG.Done()
	s.rooms.leave(c)
	if closing, sent := c.closing(); closing && sent != nil {
		// Let the writer finish the close frame before the TCP connection goes.
		t := time.NewTimer(s.cfg.CloseGrace)
		select {
		case <-sent:
		case <-t.C:
		}
		t.Stop()
	}
	c.mu.Lock()
	c.broken = true // no writer starts after this
	c.queue = nil
	c.mu.Unlock()
	_ = c.raw.Close()
	c.writers.Wait()
	if c.pc != nil {
		c.pc.raw.release()
	}

	s.unregister(c)
	s.metrics.connections.Dec()
	reason, detail := c.endReason()
	if reason == "" {
		reason = reasonError
	}
	s.metrics.disconnects.WithLabelValues(reason).Inc()
	s.log.Info("connection closed", "conn", c.tag, "remote", c.remote.String(), "reason", reason, "detail", detail,
		"duration", time.Since(c.opened).Round(time.Millisecond), "in", c.msgsIn.Load(), "out", c.msgsOut.Load())
}

// refuse sends one Error and a close frame on a connection that is not served.
func (s *Server) refuse(ws *websocket.Conn, code, message string, closeCode int) {
	deadline := time.Now().Add(s.cfg.WriteTimeout)
	out := s.errorMessage(code, message)
	_ = ws.SetWriteDeadline(deadline)
	_, _ = ws.NetConn().Write(out.frame)
	_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(closeCode, message), deadline)
	_ = ws.Close()
	s.log.Info("connection refused", "remote", ws.RemoteAddr().String(), "code", code)
}
