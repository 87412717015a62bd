package server

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"echtzeit/signaling/protocol"
)

// Reasons a connection ends, as logged and counted in disconnects_total.
const (
	reasonClosed    = "closed"    // the peer closed or the TCP connection ended
	reasonViolation = "violation" // protocol violation, close code 1008
	reasonSlow      = "slow"      // send queue overflowed
	reasonWrite     = "write"     // a write failed or missed the write deadline
	reasonTimeout   = "timeout"   // no pong or message within PongTimeout
	reasonShutdown  = "shutdown"  // the server is shutting down, close code 1001
	reasonError     = "error"     // any other read error
)

// outgoing is one encoded message queued for a peer.
type outgoing struct {
	data []byte
	typ  string
	// relayStart is when the Signal this message relays was read; zero for
	// messages that are not relayed signals.
	relayStart time.Time
}

// closeRequest asks the writer to send msgs (already encoded) and then a close
// frame with code and text.
type closeRequest struct {
	msgs []outgoing
	code int
	text string
}

// conn is one participant's WebSocket connection. Its HTTP handler goroutine
// reads and owns the writer goroutine.
type conn struct {
	id      protocol.ParticipantID
	ws      *websocket.Conn
	raw     net.Conn // the TCP connection under TLS, closed to kill
	remote  string
	opened  time.Time
	limiter *rate.Limiter

	send     chan outgoing
	closeReq chan closeRequest // buffered 1; see requestClose
	closing  atomic.Bool       // a close frame is requested, queue no more
	ctx      context.Context   // cancelled when the connection ends; stops the writer
	cancel   context.CancelFunc
	wdone    chan struct{} // closed when the writer returns

	// room is the participant's room, nil outside one. Guarded by Server.roomsMu.
	room *room

	msgsIn, msgsOut atomic.Int64

	mu     sync.Mutex
	reason string // first reason the connection ends
	detail string
}

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
// read fails and the handler cleans up. It never blocks on the network.
func (c *conn) kill(reason, detail string) {
	c.setReason(reason, detail)
	c.cancel()
	_ = c.raw.Close()
}

// enqueue puts m on the send queue without blocking. It reports false when the
// queue is full: the caller must kill the connection (after releasing any lock).
func (c *conn) enqueue(m outgoing) bool {
	if c.closing.Load() {
		return true // a close frame is on its way; later messages are dropped
	}
	select {
	case c.send <- m:
		return true
	default:
		return false
	}
}

// requestClose asks the writer to send msgs and a close frame; only the first
// request counts.
func (c *conn) requestClose(code int, text string, msgs ...outgoing) {
	if c.closing.Swap(true) {
		return
	}
	c.closeReq <- closeRequest{msgs: msgs, code: code, text: text}
}
