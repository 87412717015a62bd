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
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

	active atomic.Int64 // open WebSocket connections, for MaxConns

	roomsMu sync.Mutex
	rooms   map[protocol.RoomID]*room

	mu      sync.Mutex
	closed  bool
	conns   map[*conn]struct{}
	servers []*http.Server
	connWG  sync.WaitGroup // one per connection handler after it registered

	done      chan struct{} // closed by Close
	closeOnce sync.Once
}

// New checks cfg (zero fields take DefaultConfig's values) and builds a Server.
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
		rooms:   make(map[protocol.RoomID]*room),
		conns:   make(map[*conn]struct{}),
		done:    make(chan struct{}),
	}
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: cfg.HandshakeTimeout,
		ReadBufferSize:   4096,
		WriteBufferSize:  4096,
		CheckOrigin:      s.checkOrigin,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", s.serveWS)
	mux.HandleFunc("/healthz", s.serveHealth)
	mux.Handle("/metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}))
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
	return s, nil
}

// Handler serves /ws, /healthz, /metrics and / (Config.UI).
func (s *Server) Handler() http.Handler { return s.handler }

// Serve accepts connections on ln (speaking TLS when Config.TLS is set) until
// ctx is cancelled or Close is called; then it shuts the server down gracefully
// and returns nil. Other failures of the listener are returned.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.cfg.TLS != nil {
		cfg := s.cfg.TLS.Clone()
		cfg.NextProtos = []string{"http/1.1"} // WebSocket needs HTTP/1.1
		ln = tls.NewListener(ln, cfg)
	}
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
			c.requestClose(websocket.CloseGoingAway, "server shutting down")
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

// checkOrigin implements Config.AllowedOrigins.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser
	}
	if len(s.cfg.AllowedOrigins) == 0 {
		u, err := url.Parse(origin)
		return err == nil && strings.EqualFold(u.Host, r.Host)
	}
	for _, o := range s.cfg.AllowedOrigins {
		if o == "*" || strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

// encode encodes a server message for the send queue.
func (s *Server) encode(m protocol.Message) (outgoing, error) {
	data, err := protocol.Encode(m)
	if err != nil {
		return outgoing{}, err
	}
	return outgoing{data: data, typ: m.Type()}, nil
}

// errorMessage encodes an Error and counts it.
func (s *Server) errorMessage(code, message string) outgoing {
	s.metrics.errors.WithLabelValues(code).Inc()
	data, err := protocol.Encode(protocol.Error{Code: code, Message: message})
	if err != nil {
		// Only an empty code fails; every caller passes a constant.
		data = []byte(`{"type":"Error","code":"` + protocol.CodeProtocolViolation + `","message":"internal error"}`)
	}
	return outgoing{data: data, typ: protocol.TypeError}
}

// serveWS upgrades the request and runs the connection until it ends.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	ws, err := s.upgrader.Upgrade(w, r, nil) // answers the HTTP error itself
	if err != nil {
		s.log.Debug("websocket upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	if n := s.active.Add(1); s.cfg.MaxConns > 0 && n > int64(s.cfg.MaxConns) {
		s.active.Add(-1)
		s.refuse(ws, protocol.CodeServerFull, fmt.Sprintf("server is full (%d connections)", s.cfg.MaxConns), websocket.CloseTryAgainLater)
		return
	}
	defer s.active.Add(-1)

	raw := ws.NetConn()
	if tc, ok := raw.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &conn{
		id:       protocol.NewParticipantID(),
		ws:       ws,
		raw:      raw,
		remote:   r.RemoteAddr,
		opened:   time.Now(),
		limiter:  rate.NewLimiter(s.cfg.RateLimit, s.cfg.RateBurst),
		send:     make(chan outgoing, s.cfg.SendQueue),
		closeReq: make(chan closeRequest, 1),
		ctx:      ctx,
		cancel:   cancel,
		wdone:    make(chan struct{}),
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.refuse(ws, protocol.CodeServerShutdown, "server shutting down", websocket.CloseGoingAway)
		return
	}
	s.conns[c] = struct{}{}
	s.connWG.Add(1)
	s.mu.Unlock()
	defer s.connWG.Done()

	s.metrics.connections.Inc()
	s.metrics.connsTotal.Inc()
	s.log.Info("connection open", "id", c.id, "remote", c.remote, "origin", r.Header.Get("Origin"))

	hello, err := s.encode(protocol.Hello{ID: c.id})
	if err == nil {
		c.enqueue(hello) // the queue is empty: cannot fail
	}
	go s.writeLoop(c)

	s.readLoop(c)
	s.leave(c)
	if c.closing.Load() {
		// Let the writer finish the close frame before the TCP connection goes.
		select {
		case <-c.wdone:
		case <-time.After(s.cfg.CloseGrace):
		}
	}
	cancel()
	_ = raw.Close()
	<-c.wdone

	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.metrics.connections.Dec()
	reason, detail := c.endReason()
	s.metrics.disconnects.WithLabelValues(reason).Inc()
	s.log.Info("connection closed", "id", c.id, "remote", c.remote, "reason", reason, "detail", detail,
		"duration", time.Since(c.opened).Round(time.Millisecond), "in", c.msgsIn.Load(), "out", c.msgsOut.Load())
}

// refuse sends one Error and a close frame on a connection that is not served.
func (s *Server) refuse(ws *websocket.Conn, code, message string, closeCode int) {
	deadline := time.Now().Add(s.cfg.WriteTimeout)
	out := s.errorMessage(code, message)
	_ = ws.SetWriteDeadline(deadline)
	_ = ws.WriteMessage(websocket.BinaryMessage, out.data)
	_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(closeCode, message), deadline)
	_ = ws.Close()
	s.log.Info("connection refused", "remote", ws.RemoteAddr().String(), "code", code)
}

// readLoop reads and handles messages until the connection ends or the peer
// breaks the protocol; then it records the reason.
func (s *Server) readLoop(c *conn) {
	ws := c.ws
	_ = ws.SetReadDeadline(time.Now().Add(s.cfg.PongTimeout))
	ws.SetPongHandler(func(string) error {
		return ws.SetReadDeadline(time.Now().Add(s.cfg.PongTimeout))
	})
	// Browsers do not ping, other clients may: answer with the server's write
	// deadline rather than gorilla's default of one second.
	ws.SetPingHandler(func(data string) error {
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(s.cfg.WriteTimeout))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	// The writer sends the close frames; a peer's close frame is answered with
	// one of ours so the closing handshake completes (RFC 6455 §5.5.1).
	ws.SetCloseHandler(func(code int, _ string) error {
		if code == websocket.CloseNoStatusReceived {
			code = websocket.CloseNormalClosure
		}
		c.requestClose(code, "")
		return nil
	})
	for {
		_, r, err := ws.NextReader()
		if err != nil {
			s.readFailed(c, err)
			return
		}
		data, err := io.ReadAll(io.LimitReader(r, s.cfg.MaxMessageSize+1))
		if err != nil {
			s.readFailed(c, err)
			return
		}
		now := time.Now()
		_ = ws.SetReadDeadline(now.Add(s.cfg.PongTimeout))
		c.msgsIn.Add(1)
		if int64(len(data)) > s.cfg.MaxMessageSize {
			s.metrics.messagesIn.WithLabelValues("invalid").Inc()
			s.violation(c, fmt.Sprintf("message larger than %d bytes", s.cfg.MaxMessageSize))
			return
		}
		if !c.limiter.Allow() {
			s.metrics.messagesIn.WithLabelValues("invalid").Inc()
			s.violation(c, fmt.Sprintf("over the rate limit of %v messages per second (burst %d)", s.cfg.RateLimit, s.cfg.RateBurst))
			return
		}
		if text := s.handle(c, data, now); text != "" {
			s.violation(c, text)
			return
		}
	}
}

// readFailed records why a read failed.
func (s *Server) readFailed(c *conn, err error) {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.As(err, &ce):
		c.setReason(reasonClosed, fmt.Sprintf("peer sent close code %d %s", ce.Code, ce.Text))
	case errors.As(err, &ne) && ne.Timeout():
		c.setReason(reasonTimeout, fmt.Sprintf("no pong or message for %s", s.cfg.PongTimeout))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		c.setReason(reasonClosed, "connection ended without close frame")
	default:
		c.setReason(reasonError, err.Error())
	}
}

// handle decodes and executes one peer message; it returns a violation text or "".
func (s *Server) handle(c *conn, data []byte, read time.Time) string {
	m, err := protocol.Decode(data)
	if err != nil {
		s.metrics.messagesIn.WithLabelValues("invalid").Inc()
		return describeDecodeError(err)
	}
	s.metrics.messagesIn.WithLabelValues(m.Type()).Inc()
	switch m := m.(type) {
	case protocol.JoinOrCreate:
		return s.join(c, m)
	case protocol.Signal:
		return s.signal(c, m, read)
	case protocol.Leave:
		if !s.leave(c) {
			s.sendTo(c, s.errorMessage(protocol.CodeNotInRoom, "Leave outside a room"))
		}
		return ""
	default:
		return fmt.Sprintf("%s is a server message", m.Type())
	}
}

// describeDecodeError turns a Decode error into the Error message's text; a
// malformed room ID in JoinOrCreate says so (SPEC §2).
func describeDecodeError(err error) string {
	text := strings.TrimPrefix(err.Error(), protocol.ErrInvalidMessage.Error()+": ")
	if errors.Is(err, protocol.ErrBadID) && strings.HasPrefix(text, protocol.TypeJoinOrCreate+":") {
		return "bad room ID: " + text
	}
	return text
}

// sendTo queues m for c, dropping c when its queue is full.
func (s *Server) sendTo(c *conn, m outgoing) {
	if !c.enqueue(m) {
		c.kill(reasonSlow, "send queue full")
	}
}

// violation answers a protocol violation: Error, close code 1008, then it waits
// up to CloseGrace for the peer's close frame, discarding what the peer sends.
func (s *Server) violation(c *conn, text string) {
	c.setReason(reasonViolation, text)
	s.log.Debug("protocol violation", "id", c.id, "violation", text)
	c.requestClose(websocket.ClosePolicyViolation, truncateClose("protocol violation: "+text),
		s.errorMessage(protocol.CodeProtocolViolation, text))
	// Leave the room at once so the others are not kept waiting.
	s.leave(c)
	_ = c.ws.SetReadDeadline(time.Now().Add(s.cfg.CloseGrace))
	for {
		_, r, err := c.ws.NextReader()
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return
		}
	}
}

// truncateClose keeps a close reason within the 123 bytes a close frame allows,
// without cutting a UTF-8 sequence.
func truncateClose(s string) string {
	const limit = 120
	if len(s) <= limit {
		return s
	}
	return strings.ToValidUTF8(s[:limit], "")
}

// writeLoop writes queued messages and pings until the connection ends or a
// close frame is sent.
func (s *Server) writeLoop(c *conn) {
	defer close(c.wdone)
	ping := time.NewTicker(s.cfg.PingInterval)
	defer ping.Stop()
	write := func(m outgoing) bool {
		_ = c.ws.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		if err := c.ws.WriteMessage(websocket.BinaryMessage, m.data); err != nil {
			c.kill(reasonWrite, fmt.Sprintf("write %s: %v", m.typ, err))
			return false
		}
		c.msgsOut.Add(1)
		s.metrics.messagesOut.WithLabelValues(m.typ).Inc()
		if !m.relayStart.IsZero() {
			s.metrics.relayLatency.Observe(time.Since(m.relayStart).Seconds())
		}
		return true
	}
	for {
		select {
		case <-c.ctx.Done():
			return
		case req := <-c.closeReq:
			for _, m := range req.msgs {
				if !write(m) {
					return
				}
			}
			_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(req.code, req.text),
				time.Now().Add(s.cfg.WriteTimeout))
			return
		case m := <-c.send:
			if !write(m) {
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.cfg.WriteTimeout)); err != nil {
				c.kill(reasonWrite, fmt.Sprintf("write ping: %v", err))
				return
			}
		}
	}
}
