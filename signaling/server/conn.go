package server

import (
	"bufio"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"echtzeit/signaling/protocol"
)

// Reasons a connection ends, as logged and counted in disconnects_total.
const (
	reasonClosed      = "closed"       // the peer closed or the TCP connection ended
	reasonViolation   = "violation"    // protocol violation, close code 1008
	reasonSlow        = "slow"         // send queue overflowed
	reasonWrite       = "write"        // a write failed or missed the write deadline
	reasonTimeout     = "timeout"      // no pong or message within PongTimeout
	reasonJoinTimeout = "join-timeout" // not in a room for JoinTimeout
	reasonShutdown    = "shutdown"     // the server is shutting down, close code 1001
	reasonError       = "error"        // any other read error
)

// outgoing is one message queued for a peer: an encoded server message, or a
// keepalive ping (ping set, data nil).
type outgoing struct {
	data []byte
	typ  string
	// relayStart is when the Signal this message relays was read (Unix ns);
	// zero for messages that are not relayed signals.
	relayStart int64
	ping       bool
}

// closeRequest asks the writer to send msgs (already encoded) and then a close
// frame with code and text; sent is closed once that happened (or failed).
type closeRequest struct {
	msgs []outgoing
	code int
	text string
	sent chan struct{}
}

// conn is one participant's WebSocket connection.
//
// Memory is what decides how many cameras one server holds (DESIGN.md,
// "Connection memory"), so an idle conn holds only this struct, gorilla's
// and crypto/tls's connection state and one goroutine, the reader. The writer
// goroutine exists only while the send queue is not empty, the queue is a
// slice released when drained, and keepalive pings and deadlines come from
// the server's keeper instead of a ticker or timer per connection.
type conn struct {
	id     protocol.ParticipantID
	tag    string // keyed hash of id for the logs
	ws     *websocket.Conn
	raw    net.Conn      // the TCP connection under TLS, closed to kill
	pc     *peerConn     // nil when the connection did not come through Serve
	br     *bufio.Reader // gorilla's read buffer (with pc)
	onPong func() error  // the fast path's pong handler, bound once
	remote netip.AddrPort
	opened time.Time
	slot   int // keeper slot
	limits bucket

	// lastSeen is when the peer last sent anything (a message, a pong, a
	// ping), Unix ns; the keeper pings and drops by it.
	lastSeen atomic.Int64
	// unjoinedSince is when the peer was last outside a room (Unix ns); 0
	// while it is in one. The keeper enforces Config.JoinTimeout by it.
	unjoinedSince atomic.Int64
	// writeSince is when the write in progress began (Unix ns), 0 between
	// writes; closeSince when a close frame was requested. The keeper kills
	// a connection whose write takes longer than WriteTimeout, or whose peer
	// leaves the close frame unanswered: writes need no deadline timers.
	writeSince, closeSince atomic.Int64

	mu       sync.Mutex // guards the fields below
	queue    []outgoing
	writing  bool          // a writer goroutine runs
	closeReq *closeRequest // set once: the writer sends it and stops
	broken   bool          // a write failed or the handler ended: no more writers
	reason   string        // first reason the connection ends
	detail   string
	writers  sync.WaitGroup

	// room is the participant's room, nil outside one. Guarded by the room
	// directory's lock.
	room *room

	msgsIn, msgsOut atomic.Int64
}

// seen records that the peer sent something at now (Unix ns).
func (c *conn) seen(now int64) { c.lastSeen.Store(now) }

// setReason records why the connection ends; the first call wins.
func (c *conn) setReason(reason, detail string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reason == "" {
		c.reason, c.detail = reason, detail
	}
}

func (c *conn) endReason() (string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason, c.detail
}

// kill drops the connection at once, without a close frame: the reader's next
// read fails and the reader cleans up. It never blocks on the network.
func (c *conn) kill(reason, detail string) {
	c.mu.Lock()
	if c.reason == "" {
		c.reason, c.detail = reason, detail
	}
	c.broken = true
	c.queue = nil
	c.mu.Unlock()
	_ = c.raw.Close()
}

// enqueue puts m on the send queue without blocking, starting the writer when
// none runs. It reports false when the queue is full: the caller must kill
// the connection (after releasing any lock of its own).
func (s *Server) enqueue(c *conn, m outgoing) bool {
	c.mu.Lock()
	if c.closeReq != nil || c.broken {
		c.mu.Unlock()
		return true // a close frame is on its way, or the connection is gone
	}
	if len(c.queue) >= s.cfg.SendQueue {
		c.mu.Unlock()
		return false
	}
	c.queue = append(c.queue, m)
	start := s.startWriterLocked(c)
	c.mu.Unlock()
	if start {
		go s.writeLoop(c)
	}
	return true
}

// startWriterLocked marks a writer as running and reports whether the caller
// must start it. c.mu is held.
func (s *Server) startWriterLocked(c *conn) bool {
	if c.writing || c.broken {
		return false
	}
	c.writing = true
	c.writers.Add(1)
	return true
}

// requestClose asks the writer to send msgs and a close frame, dropping what is
// still queued; only the first request counts. It returns the channel closed
// once the frame went out (nil when an earlier request or a broken connection
// made this one moot).
func (s *Server) requestClose(c *conn, code int, text string, msgs ...outgoing) <-chan struct{} {
	c.mu.Lock()
	if c.closeReq != nil || c.broken {
		c.mu.Unlock()
		return nil
	}
	req := &closeRequest{msgs: msgs, code: code, text: text, sent: make(chan struct{})}
	c.closeReq = req
	c.closeSince.Store(time.Now().UnixNano())
	c.queue = nil
	start := s.startWriterLocked(c)
	c.mu.Unlock()
	if start {
		go s.writeLoop(c)
	}
	return req.sent
}

// closing reports whether a close frame was requested, and the channel closed
// once it was sent.
func (c *conn) closing() (bool, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeReq == nil {
		return false, nil
	}
	return true, c.closeReq.sent
}

// writeLoop writes the queue until it is empty, then ends; a later enqueue
// starts a new one. After a close request it writes the close frame and ends
// for good.
func (s *Server) writeLoop(c *conn) {
	defer c.writers.Done()
	for {
		c.mu.Lock()
		if req := c.closeReq; req != nil && !c.broken {
			c.broken = true // no writer after this one
			c.writing = false
			c.mu.Unlock()
			s.writeClose(c, req)
			return
		}
		batch := c.queue
		c.queue = nil
		if len(batch) == 0 || c.broken {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		for _, m := range batch {
			if !s.write(c, m) {
				c.mu.Lock()
				c.writing = false
				c.mu.Unlock()
				return
			}
		}
	}
}

// writeClose sends a close request's messages and its close frame.
func (s *Server) writeClose(c *conn, req *closeRequest) {
	defer close(req.sent)
	for _, m := range req.msgs {
		if !s.write(c, m) {
			return
		}
	}
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(req.code, req.text),
		time.Now().Add(s.cfg.WriteTimeout))
}

// write writes one message or ping; on failure it kills the connection. It
// sets no deadline: the keeper watches writeSince.
func (s *Server) write(c *conn, m outgoing) bool {
	c.writeSince.Store(time.Now().UnixNano())
	defer c.writeSince.Store(0)
	if m.ping {
		if err := c.ws.WriteMessage(websocket.PingMessage, nil); err != nil {
			c.kill(reasonWrite, "write ping: "+err.Error())
			return false
		}
		return true
	}
	if err := c.ws.WriteMessage(websocket.BinaryMessage, m.data); err != nil {
		c.kill(reasonWrite, "write "+m.typ+": "+err.Error())
		return false
	}
	c.msgsOut.Add(1)
	s.metrics.messagesOut.WithLabelValues(m.typ).Inc()
	if m.relayStart != 0 {
		s.metrics.relayLatency.Observe(float64(time.Now().UnixNano()-m.relayStart) / 1e9)
	}
	return true
}

// sendTo queues m for c, dropping c when its queue is full.
func (s *Server) sendTo(c *conn, m outgoing) {
	if !s.enqueue(c, m) {
		c.kill(reasonSlow, "send queue full")
	}
}
