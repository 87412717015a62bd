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

// outgoing is one WebSocket frame queued for a peer, ready to write.
type outgoing struct {
	frame []byte
	typ   string // message type for messages_out_total; "" for control frames
	// relayStart is when the Signal this message relays was read (Unix ns);
	// zero for messages that are not relayed signals.
	relayStart int64
}

// pingFrame is the keeper's ping: FIN, opcode 0x9, no payload, unmasked
// (RFC 6455 §5.5.2).
var pingFrame = []byte{0x89, 0x00}

// closeRequest asks for msgs and then a close frame; sent is closed once they
// are written (or could not be).
type closeRequest struct {
	msgs  []outgoing
	frame []byte
	sent  chan struct{}
}

// conn is one participant's WebSocket connection.
//
// Memory is what decides how many cameras one server holds, and wake-ups what
// an idle or lightly used server costs (DESIGN.md, "Connection memory and
// keepalive"). So an idle conn holds only this struct, crypto/tls's state and
// one goroutine parked on a small stack; nothing is written through gorilla
// (it reads and does the handshake): frames are built here and written by
// whichever goroutine produced them, without waiting on the socket, and only
// a peer whose socket is full gets a writer goroutine of its own.
type conn struct {
	id     protocol.ParticipantID
	tag    string // keyed hash of id for the logs
	ws     *websocket.Conn
	nc     net.Conn      // what frames are written to: the TLS (or plain) connection
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
	writing  bool          // the writer slot is taken: only its holder writes
	closeReq *closeRequest // set once: written after the queue, then nothing
	closed   bool          // the close frame was handled
	broken   bool          // a write failed or the reader ended: nothing more is written
	parked   bool          // the reader waits in waitSocket (see nudge)
	nudged   bool          // the keeper woke it to move to a small stack
	grown    bool          // the reader handled a message since its last move
	reason   string        // first reason the connection ends
	detail   string
	writers  sync.WaitGroup

	// room (localRooms) or view (clusterRooms) is the participant's room,
	// nil outside one. Guarded by the directory's lock.
	room *room
	view *roomView

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

// enqueue appends m to c's queue without writing it: callers holding a lock
// enqueue under it (so the lock's order is the order on the wire) and kick
// after releasing it. It reports false when the queue is full: the caller
// must kill the connection (after releasing its lock).
func (s *Server) enqueue(c *conn, m outgoing) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeReq != nil || c.broken {
		return true // a close frame is on its way, or the connection is gone
	}
	if len(c.queue) >= s.cfg.SendQueue {
		return false
	}
	c.queue = append(c.queue, m)
	return true
}

// sendTo queues m for c and writes it, dropping c when its queue is full.
func (s *Server) sendTo(c *conn, m outgoing) {
	if !s.enqueue(c, m) {
		c.kill(reasonSlow, "send queue full")
		return
	}
	s.kick(c)
}

// requestClose asks for msgs and a close frame with code and text, dropping
// what is still queued; only the first request counts. It returns the channel
// closed once the frame went out (nil when an earlier request or a broken
// connection made this one moot).
func (s *Server) requestClose(c *conn, code int, text string, msgs ...outgoing) <-chan struct{} {
	c.mu.Lock()
	if c.closeReq != nil || c.broken {
		c.mu.Unlock()
		return nil
	}
	req := &closeRequest{msgs: msgs, frame: closeFrame(code, text), sent: make(chan struct{})}
	c.closeReq = req
	c.queue = nil
	c.closeSince.Store(time.Now().UnixNano())
	c.mu.Unlock()
	s.kick(c)
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

// kick writes c's queue (and a requested close frame) from the calling
// goroutine unless another holds the writer slot, which then writes it. The
// writes do not wait for the socket (rawConn's try mode): what does not fit is
// kept back and a writer goroutine takes the slot over to write it when the
// socket drains. Connections that did not come through Serve always get the
// writer goroutine.
func (s *Server) kick(c *conn) {
	c.mu.Lock()
	if c.writing || c.broken || c.closed || (len(c.queue) == 0 && c.closeReq == nil) {
		c.mu.Unlock()
		return
	}
	c.writing = true
	if c.pc == nil {
		c.writers.Add(1)
		c.mu.Unlock()
		go s.writeLoop(c)
		return
	}
	c.mu.Unlock()
	c.pc.raw.try.Store(true)
	done := s.drain(c)
	c.pc.raw.try.Store(false)
	if !done {
		// The socket is full: a writer goroutine keeps the slot and waits.
		c.mu.Lock()
		c.writers.Add(1)
		c.mu.Unlock()
		go s.writeLoop(c)
	}
}

// writeLoop holds the writer slot and writes, waiting for the socket, until
// the queue is empty; drain then gives the slot back.
func (s *Server) writeLoop(c *conn) {
	defer c.writers.Done()
	if c.pc != nil {
		c.writeSince.Store(time.Now().UnixNano())
		err := c.pc.raw.flush()
		c.writeSince.Store(0)
		if err != nil {
			c.kill(reasonWrite, "write: "+err.Error())
		}
	}
	for !s.drain(c) {
		// Blocking writes leave nothing behind; only try mode backlogs.
	}
}

// drain writes the queue and then a requested close frame. It returns true
// after giving the writer slot back, in the same critical section that found
// nothing left to write (so no message queued meanwhile is stranded), and
// false, keeping the slot, when a write left bytes waiting for the socket.
func (s *Server) drain(c *conn) bool {
	for {
		c.mu.Lock()
		if c.broken || c.closed {
			c.queue = nil
		}
		batch := c.queue
		c.queue = nil
		req := c.closeReq
		if len(batch) == 0 && (req == nil || c.closed || c.broken) {
			c.writing = false
			c.mu.Unlock()
			return true
		}
		if len(batch) == 0 {
			c.closed = true
		}
		c.mu.Unlock()
		if len(batch) == 0 {
			s.writeClose(c, req)
			if c.backlogged() {
				return false
			}
			continue
		}
		for i, m := range batch {
			if !s.write(c, m) {
				break // killed: the next round finds it broken
			}
			if c.backlogged() {
				s.requeue(c, batch[i+1:])
				return false
			}
		}
	}
}

// requeue puts rest back at the head of the queue.
func (s *Server) requeue(c *conn, rest []outgoing) {
	if len(rest) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.broken {
		c.queue = append(rest[:len(rest):len(rest)], c.queue...)
	}
}

// backlogged reports whether written bytes still wait for the socket.
func (c *conn) backlogged() bool { return c.pc != nil && c.pc.raw.backlogged() }

// writeClose writes a close request's messages and its close frame.
func (s *Server) writeClose(c *conn, req *closeRequest) {
	defer close(req.sent)
	for _, m := range req.msgs {
		if !s.write(c, m) {
			return
		}
	}
	s.write(c, outgoing{frame: req.frame})
}

// write writes one frame; on failure it kills the connection. It sets no
// deadline: the keeper watches writeSince.
func (s *Server) write(c *conn, m outgoing) bool {
	c.writeSince.Store(time.Now().UnixNano())
	_, err := c.nc.Write(m.frame)
	c.writeSince.Store(0)
	if err != nil {
		c.kill(reasonWrite, "write: "+err.Error())
		return false
	}
	if m.typ == "" {
		return true
	}
	c.msgsOut.Add(1)
	s.metrics.out(m.typ).Inc()
	if m.relayStart != 0 {
		// A signal from another node was read by that node's clock: a
		// clock behind ours would make the latency negative.
		s.metrics.relayLatency.Observe(float64(max(0, time.Now().UnixNano()-m.relayStart)) / 1e9)
	}
	return true
}
