package server

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// An idle connection should cost its memory and nothing else. Go parks a
// goroutine that waits for a peer's next WebSocket frame deep inside gorilla,
// bufio and crypto/tls, and a stack parked that deep never shrinks below
// 8 KiB: more than the rest of an idle connection together (DESIGN.md,
// "Connection memory and keepalive"). The types here let the reader wait at
// the surface instead:
//
//	gorilla ─ bufio (ours, 512 B) ─ peerConn ─ [crypto/tls] ─ rawConn ─ TCP
//
// rawConn, under TLS, waits for the socket through syscall.RawConn (no buffer
// while waiting, a shallow stack) and hands what one read(2) returned to TLS.
// peerConn, above TLS, holds the few bytes a probe decrypted. Between two
// messages the reader asks peerConn.wait whether anything is buffered in any
// layer; only when nothing is does it park, in rawConn.waitSocket. A pong,
// the only traffic of an idle connection, is recognised there at the frame
// boundary and never enters gorilla, whose reader would otherwise go on to
// wait for the following frame inside the deep stack.

// errProbe is what rawConn.Read returns while probing with nothing buffered:
// a temporary timeout, which crypto/tls passes up without breaking the
// connection.
var errProbe error = os.ErrDeadlineExceeded

// rawBufSize is the size of the buffer one waiting read(2) fills: a few
// small TLS records (a pong is 28 bytes); TLS reads the rest of a larger
// record from the socket itself.
const rawBufSize = 2048

// rawBufPool lends the bytes of one read(2) until TLS has consumed them.
var rawBufPool = sync.Pool{New: func() any { return new([rawBufSize]byte) }}

// rawConn is the TCP connection under TLS.
type rawConn struct {
	*net.TCPConn
	sc      syscall.RawConn
	tryRead func(fd uintptr) bool // c.readSocket, bound once

	// Used by the reader goroutine only (and by TLS on its behalf).
	probing bool
	buf     *[rawBufSize]byte
	pending []byte // unread part of buf
	err     error  // what the waiting read(2) returned instead of data

	// Writes. try makes Write return at once: what the socket does not take
	// waits in backlog for flush (conn.go: kick and writeLoop). wmu orders
	// the writes (crypto/tls does too, but not a plain ws:// connection).
	try     atomic.Bool
	wmu     sync.Mutex
	backlog []byte
	hasBack atomic.Bool
}

func newRawConn(c *net.TCPConn) (*rawConn, error) {
	sc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	rc := &rawConn{TCPConn: c, sc: sc}
	rc.tryRead = rc.readSocket
	return rc, nil
}

// Read serves the pending bytes first; while probing it never touches the
// socket.
func (c *rawConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		if len(c.pending) == 0 {
			rawBufPool.Put(c.buf)
			c.buf, c.pending = nil, nil
		}
		return n, nil
	}
	if c.err != nil {
		return 0, c.err
	}
	if c.probing {
		return 0, errProbe
	}
	return c.TCPConn.Read(p)
}

// Write writes p. In try mode it never waits: bytes the socket does not take
// now are kept (after earlier kept bytes) for flush. Otherwise it writes the
// kept bytes first and then p, waiting for the socket.
func (c *rawConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.try.Load() {
		if len(c.backlog) > 0 {
			c.backlog = append(c.backlog, p...)
			return len(p), nil
		}
		n, err := c.writeNow(p)
		if err != nil {
			return n, err
		}
		if n < len(p) {
			c.backlog = append(c.backlog, p[n:]...)
			c.hasBack.Store(true)
		}
		return len(p), nil
	}
	if err := c.flushLocked(); err != nil {
		return 0, err
	}
	return c.TCPConn.Write(p)
}

// writeNow writes what the socket takes without waiting.
func (c *rawConn) writeNow(p []byte) (int, error) {
	var n int
	var werr error
	err := c.sc.Write(func(fd uintptr) bool {
		for {
			n, werr = rawWrite(int(fd), p)
			if werr != syscall.EINTR {
				return true // never wait
			}
		}
	})
	switch {
	case err != nil:
		return 0, err
	case werr == syscall.EAGAIN:
		return 0, nil
	case werr != nil:
		return 0, werr
	}
	return n, nil
}

// backlogged reports whether written bytes wait for the socket.
func (c *rawConn) backlogged() bool { return c.hasBack.Load() }

// flush writes the kept bytes, waiting for the socket.
func (c *rawConn) flush() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.flushLocked()
}

func (c *rawConn) flushLocked() error {
	if len(c.backlog) == 0 {
		return nil
	}
	_, err := c.TCPConn.Write(c.backlog)
	c.backlog = nil
	c.hasBack.Store(false)
	return err
}

// waitSocket parks until the socket has data (or an error), then reads it
// into a pooled buffer for Read. The parked stack is shallow and no buffer is
// held while waiting.
func (c *rawConn) waitSocket() error {
	return c.sc.Read(c.tryRead)
}

// readSocket is the syscall.RawConn read function: false means "not
// readable, wait". It always tries the read first: RawRead clears a readiness
// the poller saw before it was called (poll_runtime_pollReset), so skipping
// the read (after a short one, say) can miss data that is already there.
func (c *rawConn) readSocket(fd uintptr) bool {
	bp := rawBufPool.Get().(*[rawBufSize]byte)
	for {
		n, err := rawRead(int(fd), bp[:])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			rawBufPool.Put(bp)
			return false // not readable yet: wait for the poller
		case err != nil:
			c.err = err
		case n == 0:
			c.err = io.EOF
		default:
			c.buf, c.pending = bp, bp[:n]
			return true
		}
		rawBufPool.Put(bp)
		return true
	}
}

// release returns a pending buffer to the pool (after the reader ended).
func (c *rawConn) release() {
	if c.buf != nil {
		rawBufPool.Put(c.buf)
		c.buf, c.pending = nil, nil
	}
}

// peerConn is what net/http and gorilla see: the TLS connection (or the raw
// one for ws://) with the bytes a probe took out of it put back in front.
type peerConn struct {
	net.Conn // *tls.Conn or *rawConn
	raw      *rawConn
	head     [6]byte // a probe's bytes, served before Conn's
	nhead    int
	off      int
}

func (c *peerConn) Read(p []byte) (int, error) {
	if c.off < c.nhead {
		n := copy(p, c.head[c.off:c.nhead])
		c.off += n
		return n, nil
	}
	return c.Conn.Read(p)
}

// pong is a client's pong frame answering the server's empty ping (RFC 6455
// §5.5.3): FIN and opcode 0xA, the mask bit with length 0, the masking key.
func isEmptyPong(b []byte) bool { return len(b) == 6 && b[0] == 0x8A && b[1] == 0x80 }

// probe reports whether a frame can be read without parking inside the TLS
// stack, because a layer holds unread bytes (or an error to report). Empty
// pongs found at the frame boundary are consumed here, each reported to
// onPong, which may refuse it with an error. br is gorilla's read buffer, at
// a frame boundary between messages. When probe returns false the caller
// waits in c.raw.waitSocket, from a frame of its own (the waiting stack must
// stay shallow).
func (c *peerConn) probe(br *bufio.Reader, onPong func() error) (bool, error) {
	for {
		if br.Buffered() > 0 || c.off < c.nhead {
			return true, nil
		}
		c.raw.probing = true
		n, err := c.Conn.Read(c.head[:])
		c.raw.probing = false
		c.off, c.nhead = 0, n
		if n > 0 {
			if n < len(c.head) || !isEmptyPong(c.head[:n]) {
				return true, nil
			}
			c.nhead = 0 // consumed: a pong
			if err := onPong(); err != nil {
				return false, err
			}
			continue
		}
		// Nothing buffered, or EOF or a broken connection, which gorilla's
		// next read reports.
		return !errors.Is(err, errProbe), nil
	}
}

// peerListener wraps each accepted TCP connection as rawConn → [TLS] →
// peerConn. net/http then sees no *tls.Conn and does the handshake on its
// first read, still under ReadHeaderTimeout.
type peerListener struct {
	net.Listener
	tls       *tls.Config
	keepalive net.KeepAliveConfig
}

func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc, ok := c.(*net.TCPConn)
		if !ok {
			return c, nil
		}
		rc, err := newRawConn(tc)
		if err == nil && l.keepalive.Enable {
			err = tc.SetKeepAliveConfig(l.keepalive)
			if err == nil {
				err = setUserTimeout(rc.sc, l.keepalive.Idle+time.Duration(l.keepalive.Count)*l.keepalive.Interval)
			}
		}
		if err != nil {
			_ = c.Close()
			continue
		}
		pc := &peerConn{Conn: rc, raw: rc}
		if l.tls != nil {
			pc.Conn = tls.Server(rc, l.tls)
		}
		return pc, nil
	}
}

// hijacker hands gorilla our own small bufio.Reader over the peerConn, so the
// reader can see what gorilla has buffered (gorilla reuses a hijacked reader of
// more than 256 bytes when Upgrader.ReadBufferSize is 0).
type hijacker struct {
	http.ResponseWriter
	br *bufio.Reader
}

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("response does not implement http.Hijacker")
	}
	nc, brw, err := hj.Hijack()
	if err != nil || brw.Reader.Buffered() > 0 {
		// gorilla refuses a client that sent data before the handshake ended.
		return nc, brw, err
	}
	h.br = bufio.NewReaderSize(nc, 512)
	return nc, bufio.NewReadWriter(h.br, bufio.NewWriterSize(nc, 256)), nil
}
