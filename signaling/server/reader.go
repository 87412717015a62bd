package server

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"echtzeit/signaling/protocol"
)

// errControlRate is returned by the ping and pong handlers of a peer over its
// rate limit; the reader turns it into a protocol violation.
var errControlRate = errors.New("control frames over the rate limit")

// installHandlers sets gorilla's control frame handlers for c.
func (s *Server) installHandlers(c *conn) {
	ws := c.ws
	ws.SetPongHandler(func(string) error { return s.pong(c) })
	// Browsers do not ping, other clients may: the pong goes out like any
	// frame of the server's (gorilla writes nothing after the handshake).
	ws.SetPingHandler(func(data string) error {
		now := time.Now().UnixNano()
		c.seen(now)
		if !s.limits.take(&c.limits, now, len(data)) {
			return errControlRate
		}
		s.sendTo(c, outgoing{frame: pongFrame([]byte(data))})
		return nil
	})
	// The writer sends the close frames; a peer's close frame is answered with
	// one of ours so the closing handshake completes (RFC 6455 §5.5.1).
	ws.SetCloseHandler(func(code int, _ string) error {
		if code == websocket.CloseNoStatusReceived {
			code = websocket.CloseNormalClosure
		}
		s.requestClose(c, code, "")
		return nil
	})
}

// pong records a pong (answering the keeper's ping) and counts it in the
// peer's rate limit.
func (s *Server) pong(c *conn) error {
	now := time.Now().UnixNano()
	c.seen(now)
	if !s.limits.take(&c.limits, now, 0) {
		return errControlRate
	}
	return nil
}

// serveConn reads and handles c's messages. It sets no read deadline: the
// keeper drops a peer that stays silent past PongTimeout.
//
// For a connection accepted by Serve (c.pc set), await waits for the peer at
// the surface (peerConn.probe, rawConn.waitSocket) and reads what arrives on
// the same goroutine. Handling a message grows that goroutine's stack; once
// the connection has been quiet for a keeper period, the keeper nudges the
// waiting reader (nudge) and it moves to a fresh goroutine, which parks at
// the bottom of Go's smallest stack (2 KiB): idle connections keep small
// stacks, busy ones do not pay a goroutine per message (DESIGN.md,
// "Connection memory and keepalive"). Otherwise (Handler mounted in another
// http.Server) one goroutine reads in gorilla's blocking loop.
func (s *Server) serveConn(c *conn) {
	if c.pc == nil {
		for s.readMessage(c) {
		}
		s.finish(c)
		return
	}
	if alive, _ := s.pump(c); alive {
		go s.await(c)
	}
}

// pump reads and handles what is buffered. alive is false when the
// connection ended; data tells whether a message (not only pongs) was read.
//
//go:noinline
func (s *Server) pump(c *conn) (alive, data bool) {
	for {
		ready, err := c.pc.probe(c.br, c.onPong)
		if err != nil {
			s.endWithError(c, err)
			return false, data
		}
		if !ready {
			if data {
				c.mu.Lock()
				c.grown = true
				c.mu.Unlock()
			}
			return true, data
		}
		if !s.readMessage(c) {
			s.finish(c)
			return false, data
		}
		data = true
	}
}

// await waits for the peer's next bytes and pumps them, until the connection
// ends, only pongs arrived, or the keeper nudges it onto a fresh goroutine. Keep its frame and the
// frames it parks under small: their depth decides the stack of every idle
// connection.
func (s *Server) await(c *conn) {
	for {
		c.mu.Lock()
		c.parked = true
		c.mu.Unlock()
		err := c.pc.raw.waitSocket()
		if s.unpark(c) && errors.Is(err, os.ErrDeadlineExceeded) {
			go s.await(c)
			return
		}
		// Nudged or not: bytes that arrived (err == nil) are pending in
		// rawConn and must be read now, not after the next wake-up.
		if err != nil {
			s.endWithError(c, err)
			return
		}
		alive, data := s.pump(c)
		if !alive {
			return
		}
		if !data {
			// Only pongs (or nothing): an idle connection, whose probe grew
			// the stack a little. Wait on a fresh one at once.
			go s.await(c)
			return
		}
	}
}

// unpark ends a wait and reports whether the keeper nudged it (its past read
// deadline is then cleared again).
//
//go:noinline
func (s *Server) unpark(c *conn) bool {
	c.mu.Lock()
	nudged := c.nudged
	c.parked, c.nudged = false, false
	c.mu.Unlock()
	if nudged {
		_ = c.raw.SetReadDeadline(time.Time{})
	}
	return nudged
}

// nudge wakes c's reader when it waits on a stack grown by handling messages,
// so it moves to a fresh small one (await). Under c.mu, so the reader clears
// the past deadline only after it was set.
func (s *Server) nudge(c *conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.parked && c.grown && !c.broken {
		c.grown, c.nudged = false, true
		_ = c.raw.SetReadDeadline(time.Unix(1, 0))
	}
}

// endWithError ends the connection after a failed wait.
//
//go:noinline
func (s *Server) endWithError(c *conn, err error) {
	s.readError(c, err)
	s.finish(c)
}

// readMessage reads and handles one message; false when the connection ends.
func (s *Server) readMessage(c *conn) bool {
	_, r, err := c.ws.NextReader()
	if err != nil {
		s.readError(c, err)
		return false
	}
	bp := readBufPool.Get().(*[]byte)
	data, err := readAtMost(r, (*bp)[:0], s.cfg.MaxMessageSize+1)
	defer putReadBuf(bp, data)
	if err != nil {
		s.readError(c, err)
		return false
	}
	now := time.Now().UnixNano()
	c.seen(now)
	c.msgsIn.Add(1)
	if int64(len(data)) > s.cfg.MaxMessageSize {
		s.metrics.in("invalid").Inc()
		s.violation(c, fmt.Sprintf("message larger than %d bytes", s.cfg.MaxMessageSize))
		return false
	}
	if !s.limits.take(&c.limits, now, len(data)) {
		s.metrics.in("invalid").Inc()
		s.violation(c, s.rateText())
		return false
	}
	if text := s.handle(c, data, now); text != "" {
		s.violation(c, text)
		return false
	}
	return true
}

// readBufPool lends the buffer a message is read into: nothing keeps the
// bytes after handle returns (Decode copies what it returns), and a fresh
// buffer grown by io.ReadAll was half of what a relayed signal allocated
// (each collection also shrinks the readers' stacks, which then grow again).
var readBufPool = sync.Pool{New: func() any { b := make([]byte, 0, readBufSize); return &b }}

// readBufSize fits a signal of the steady load and most SDPs; maxPooledRead
// is the largest buffer put back (larger messages are rare).
const readBufSize, maxPooledRead = 4096, 16 << 10

func putReadBuf(bp *[]byte, data []byte) {
	if cap(data) <= maxPooledRead {
		*bp = data[:0]
		readBufPool.Put(bp)
	}
}

// readAtMost appends what r yields to buf until EOF or until buf holds more
// than limit bytes (the caller refuses such a message).
func readAtMost(r io.Reader, buf []byte, limit int64) ([]byte, error) {
	for int64(len(buf)) <= limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), len(buf)+int(limit+1-int64(len(buf))))])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// readError ends the reading on err: a violation when the control frames
// broke the rate limit, else the reason the connection ended.
func (s *Server) readError(c *conn, err error) {
	if errors.Is(err, errControlRate) {
		s.metrics.in("invalid").Inc()
		s.violation(c, s.rateText())
		return
	}
	s.readFailed(c, err)
}

func (s *Server) rateText() string {
	return fmt.Sprintf("over the rate limit of %v messages (burst %d) or %d bytes (burst %d) per second",
		s.cfg.RateLimit, s.cfg.RateBurst, s.cfg.ByteRate, s.cfg.ByteBurst)
}

// readFailed records why a read failed.
func (s *Server) readFailed(c *conn, err error) {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.As(err, &ce):
		c.setReason(reasonClosed, fmt.Sprintf("peer sent close code %d", ce.Code))
	case errors.As(err, &ne) && ne.Timeout():
		c.setReason(reasonTimeout, "read deadline passed")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		c.setReason(reasonClosed, "connection ended without close frame")
	default:
		c.setReason(reasonError, err.Error())
	}
}

// handle decodes and executes one peer message; it returns a violation text or "".
func (s *Server) handle(c *conn, data []byte, read int64) string {
	m, err := protocol.Decode(data)
	if err != nil {
		s.metrics.in("invalid").Inc()
		return describeDecodeError(err)
	}
	s.metrics.in(m.Type()).Inc()
	switch m := m.(type) {
	case protocol.JoinOrCreate:
		return s.rooms.join(c, m.Room)
	case protocol.Signal:
		return s.rooms.signal(c, m, read)
	case protocol.Leave:
		if !s.rooms.leave(c) {
			s.sendTo(c, s.errorMessage(protocol.CodeNotInRoom, "Leave outside a room"))
		}
		return ""
	default:
		return fmt.Sprintf("%s is a server message", m.Type())
	}
}

// describeDecodeError turns a Decode error into the Error message's text; a
// malformed room ID in JoinOrCreate says so (SPEC §2). Decode errors never
// quote IDs or signal contents, so the text may be logged.
func describeDecodeError(err error) string {
	text := strings.TrimPrefix(err.Error(), protocol.ErrInvalidMessage.Error()+": ")
	if errors.Is(err, protocol.ErrBadID) && strings.HasPrefix(text, protocol.TypeJoinOrCreate+":") {
		return "bad room ID: " + text
	}
	return text
}

// violation answers a protocol violation: Error, close code 1008, then it waits
// up to CloseGrace for the peer's close frame, discarding what the peer sends.
func (s *Server) violation(c *conn, text string) {
	c.setReason(reasonViolation, text)
	s.log.Debug("protocol violation", "conn", c.tag, "violation", text)
	s.requestClose(c, websocket.ClosePolicyViolation, truncateClose("protocol violation: "+text),
		s.errorMessage(protocol.CodeProtocolViolation, text))
	// Leave the room at once so the others are not kept waiting.
	s.rooms.leave(c)
	// Discard what the peer still sends, control frames included, until its
	// close frame or CloseGrace: closing with unread data would send a reset
	// that can destroy the Error and close frame before the peer reads them.
	c.ws.SetPingHandler(func(string) error { return nil })
	c.ws.SetPongHandler(func(string) error { return nil })
	_ = c.ws.SetReadDeadline(time.Now().Add(s.cfg.CloseGrace))
	for {
		_, r, err := c.ws.NextReader()
		if err != nil {
			if errors.Is(err, errControlRate) {
				// gorilla keeps that error: discard below it.
				_, _ = io.Copy(io.Discard, c.nc)
			}
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
