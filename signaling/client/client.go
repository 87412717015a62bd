package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"echtzeit/signaling/protocol"
)

// Errors of the client.
var (
	// ErrClosed is returned by Send and Receive after Close.
	ErrClosed = errors.New("signaling client closed")
	// ErrFingerprintMismatch means the server certificate is not the pinned one.
	ErrFingerprintMismatch = errors.New("TLS fingerprint mismatch")
	// ErrUnexpectedMessage means the server sent a message out of protocol order.
	ErrUnexpectedMessage = errors.New("unexpected message")
)

// ErrorMessage is an Error message from the server returned as a Go error.
type ErrorMessage struct {
	Code    string
	Message string
}

func (e *ErrorMessage) Error() string {
	return fmt.Sprintf("server error %s: %s", e.Code, e.Message)
}

// CloseError reports that the server closed the connection with a close frame.
type CloseError struct {
	Code int
	Text string
	// LastError is the Error message the server sent before closing, if any.
	LastError *protocol.Error
}

func (e *CloseError) Error() string {
	s := fmt.Sprintf("connection closed by server (code %d", e.Code)
	if e.Text != "" {
		s += ": " + e.Text
	}
	s += ")"
	if e.LastError != nil {
		s += fmt.Sprintf(" after error %s: %s", e.LastError.Code, e.LastError.Message)
	}
	return s
}

// Client is one signaling connection. Send is safe for concurrent use; Receive is
// meant for one consumer.
type Client struct {
	conn *websocket.Conn
	url  string
	id   protocol.ParticipantID
	opts options

	in   chan protocol.Message
	done chan struct{}

	writeMu sync.Mutex

	mu      sync.Mutex
	err     error
	lastErr *protocol.Error
	closing bool // Close has begun: the server's answering close frame is ours

	closeOnce sync.Once
	readDone  chan struct{}
}

// Dial connects to the signaling server at url (ws:// or wss://, path /ws) and
// waits for Hello.
func Dial(ctx context.Context, url string, opts ...Option) (*Client, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("dial %s: %w", url, err)
		}
	}
	dialer := websocket.Dialer{
		TLSClientConfig:  o.tls,
		HandshakeTimeout: o.dialTimeout,
		Proxy:            http.ProxyFromEnvironment,
		NetDialContext:   o.netDialer().DialContext,
		ReadBufferSize:   1024,
		WriteBufferSize:  1024,
	}
	conn, resp, err := dialer.DialContext(ctx, url, o.header)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (HTTP %s)", url, err, resp.Status)
		}
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	conn.SetReadLimit(o.readLimit)
	// Answer pings with the client's own write deadline: gorilla's default
	// handler allows one second, which a busy machine can miss, and a missed
	// TLS write deadline breaks the connection for good.
	conn.SetPingHandler(func(data string) error {
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(o.writeWait))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})

	hello, err := readHello(ctx, conn)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	c := &Client{
		conn:     conn,
		url:      url,
		id:       hello.ID,
		opts:     o,
		in:       make(chan protocol.Message, o.queue),
		done:     make(chan struct{}),
		readDone: make(chan struct{}),
	}
	go c.readLoop()
	o.logger.Debug("signaling connected", "url", url, "id", hello.ID)
	return c, nil
}

func readHello(ctx context.Context, conn *websocket.Conn) (protocol.Hello, error) {
	deadline := time.Now().Add(15 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetReadDeadline(deadline)
	defer conn.SetReadDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()
	_, data, err := conn.ReadMessage()
	if err != nil {
		if ctx.Err() != nil {
			return protocol.Hello{}, fmt.Errorf("wait for Hello: %w", ctx.Err())
		}
		return protocol.Hello{}, fmt.Errorf("wait for Hello: %w", err)
	}
	m, err := protocol.Decode(data)
	if err != nil {
		return protocol.Hello{}, fmt.Errorf("wait for Hello: %w", err)
	}
	switch m := m.(type) {
	case protocol.Hello:
		return m, nil
	case protocol.Error:
		return protocol.Hello{}, &ErrorMessage{Code: m.Code, Message: m.Message}
	default:
		return protocol.Hello{}, fmt.Errorf("wait for Hello: %w: got %s", ErrUnexpectedMessage, m.Type())
	}
}

func (c *Client) readLoop() {
	defer close(c.readDone)
	defer c.shutdown(nil)
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			c.mu.Lock()
			last, closing := c.lastErr, c.closing
			c.mu.Unlock()
			switch {
			case closing:
				c.shutdown(ErrClosed) // the server answered our close frame
			case errors.As(err, &ce):
				c.shutdown(&CloseError{Code: ce.Code, Text: ce.Text, LastError: last})
			default:
				c.shutdown(fmt.Errorf("read: %w", err))
			}
			return
		}
		m, err := protocol.Decode(data)
		if err != nil {
			c.shutdown(fmt.Errorf("read: %w", err))
			return
		}
		if !m.FromServer() {
			c.shutdown(fmt.Errorf("read: %w: server sent peer message %s", ErrUnexpectedMessage, m.Type()))
			return
		}
		if e, ok := m.(protocol.Error); ok {
			c.mu.Lock()
			c.lastErr = &e
			c.mu.Unlock()
		}
		select {
		case c.in <- m:
		case <-c.done:
			return
		}
	}
}

// shutdown records why the client stopped (the first reason wins) and closes done.
func (c *Client) shutdown(reason error) {
	c.closeOnce.Do(func() {
		if reason == nil {
			reason = ErrClosed
		}
		c.mu.Lock()
		c.err = reason
		c.mu.Unlock()
		close(c.done)
		_ = c.conn.Close()
	})
}

// URL is the server URL the client is connected to.
func (c *Client) URL() string { return c.url }

// ID is the participant ID the server assigned in Hello.
func (c *Client) ID() protocol.ParticipantID { return c.id }

// Done is closed when the connection is gone.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err tells why the connection is gone (nil while it is open). A close frame from
// the server is a *CloseError.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Send writes one message as a binary frame.
func (c *Client) Send(ctx context.Context, m protocol.Message) error {
	data, err := protocol.Encode(m)
	if err != nil {
		return err
	}
	return c.SendRaw(ctx, data)
}

// SendRaw writes data as one binary frame without validating it. Tests use it to
// send protocol violations.
func (c *Client) SendRaw(ctx context.Context, data []byte) error {
	select {
	case <-c.done:
		return fmt.Errorf("send: %w", c.closedErr())
	default:
	}
	deadline := time.Now().Add(c.opts.writeWait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if c.opts.pacer != nil {
		wctx, cancel := context.WithDeadline(ctx, deadline)
		err := c.opts.pacer.Wait(wctx)
		cancel()
		if err != nil {
			return fmt.Errorf("send: wait for the rate limit: %w", err)
		}
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.conn.SetWriteDeadline(deadline)
	if err := c.conn.WriteMessage(websocket.BinaryMessage, data); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

// Receive returns the next message from the server, in order. After the
// connection is gone it returns the buffered messages first, then Err.
func (c *Client) Receive(ctx context.Context) (protocol.Message, error) {
	select {
	case m := <-c.in:
		return m, nil
	default:
	}
	select {
	case m := <-c.in:
		return m, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("receive: %w", ctx.Err())
	case <-c.done:
		select {
		case m := <-c.in:
			return m, nil
		default:
			return nil, fmt.Errorf("receive: %w", c.closedErr())
		}
	}
}

// Join sends JoinOrCreate and waits for Joined. An Error from the server is
// returned as *ErrorMessage (room-full keeps the connection usable).
func (c *Client) Join(ctx context.Context, room protocol.RoomID) (protocol.Joined, error) {
	if err := c.Send(ctx, protocol.JoinOrCreate{Room: room}); err != nil {
		return protocol.Joined{}, fmt.Errorf("join room: %w", err)
	}
	m, err := c.Receive(ctx)
	if err != nil {
		return protocol.Joined{}, fmt.Errorf("join room: %w", err)
	}
	switch m := m.(type) {
	case protocol.Joined:
		return m, nil
	case protocol.Error:
		return protocol.Joined{}, fmt.Errorf("join room: %w", &ErrorMessage{Code: m.Code, Message: m.Message})
	default:
		return protocol.Joined{}, fmt.Errorf("join room: %w: got %s", ErrUnexpectedMessage, m.Type())
	}
}

// Leave leaves the current room and keeps the connection.
func (c *Client) Leave(ctx context.Context) error {
	return c.Send(ctx, protocol.Leave{})
}

// Signal sends payload to participant to of the room, or to every other
// participant when to is empty.
func (c *Client) Signal(ctx context.Context, to protocol.ParticipantID, payload json.RawMessage) error {
	return c.Send(ctx, protocol.Signal{To: to, Signal: payload})
}

// Close sends a normal close frame, closes the connection and waits for the
// reader goroutine.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	c.writeMu.Lock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(time.Second))
	_ = c.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	c.writeMu.Unlock()
	c.shutdown(ErrClosed)
	<-c.readDone
	return nil
}

func (c *Client) closedErr() error {
	if err := c.Err(); err != nil {
		return err
	}
	return ErrClosed
}
