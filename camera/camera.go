package camera

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
)

// Config configures a Camera.
type Config struct {
	// SignalingURL is the server's WebSocket URL, e.g. wss://host:8443/ws,
	// or several comma-separated (the nodes of a cluster; servers.go).
	SignalingURL string
	// ClientOptions are passed to client.Dial (TLS trust, logger, ...).
	ClientOptions []client.Option
	// Room is the room the camera joins and stays in.
	Room protocol.RoomID
	// Source delivers the video; SourceName labels it in metrics and logs.
	Source     EncodedSource
	SourceName string
	// Format is the default format; a viewer's request changes it for its session.
	Format Format
	// Degradation is what a stream gives up when the bandwidth estimate is
	// below what its format needs; unknown means balanced.
	Degradation Degradation
	// API builds the PeerConnections (NewAPI).
	API *API
	// ICE gives each PeerConnection its ICE servers and policy; nil: none
	// (host candidates only).
	ICE *ICEServers
	// Backoff paces reconnection attempts; DefaultBackoff when nil.
	Backoff *Backoff
	// Logger; slog.Default when nil.
	Logger *slog.Logger
	// Metrics may be nil.
	Metrics *Metrics
	// OnState, when set, is called with every state change (for tests and status
	// displays). It must not block.
	OnState func(State)
	// Limits bound what viewers can make the camera hold or send; zero fields
	// take DefaultLimits.
	Limits Limits
}

// Validate checks the configuration; messages name the setting.
func (c Config) Validate() error {
	var errs []error
	if c.SignalingURL == "" {
		errs = append(errs, errors.New("'signaling' URL must be set"))
	} else if _, err := c.servers(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Room.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("'room': %w", err))
	}
	if c.Source == nil {
		errs = append(errs, errors.New("'source' must be set"))
	}
	if c.API == nil {
		errs = append(errs, errors.New("the WebRTC API must be set (camera.NewAPI)"))
	}
	if err := c.Limits.withDefaults().Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Format.Validate(); err != nil {
		errs = append(errs, err)
	} else if c.Source != nil {
		if err := CheckFormat(c.Source, c.Format); err != nil {
			errs = append(errs, fmt.Errorf("'source' %s: %w", c.SourceName, err))
		}
	}
	return errors.Join(errs...)
}

// Camera joins its room and streams to each viewer that arrives (thesis §4.6.2):
// state 1 connects and joins, state 2 streams; a stream that ends leads back to
// waiting in the room, a lost connection to a reconnect with backoff.
type Camera struct {
	cfg     Config
	fan     *fanOut // the encoders, shared by the viewers of a format
	log     *slog.Logger
	ids     logIDs
	state   State
	servers *client.Servers
}

// New checks cfg and returns a Camera; Run starts it.
func New(cfg Config) (*Camera, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("camera config: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff()
	}
	if cfg.SourceName == "" {
		cfg.SourceName = "unknown"
	}
	cfg.Limits = cfg.Limits.withDefaults()
	// Export the configured format and "no peer" before the first viewer, so a
	// scraper sees the series from the start.
	cfg.Metrics.SetFormat(cfg.Format, cfg.SourceName)
	cfg.Metrics.SetPeerState(webrtc.PeerConnectionStateUnknown)
	cfg.Metrics.SetSourceAdapts(cfg.SourceName, AdaptationOf(cfg.Source))
	servers, err := cfg.servers()
	if err != nil {
		return nil, fmt.Errorf("camera config: %w", err)
	}
	c := &Camera{cfg: cfg, log: cfg.Logger, ids: newLogIDs(), servers: servers,
		fan: newFanOut(cfg.Source, cfg.SourceName, cfg.Logger, cfg.Metrics, cfg.API.adapts(cfg.Source))}
	// The room ID is the camera's only key (thesis §4.3.2): logs carry a keyed
	// hash of it, which tells rooms apart within a run and nothing else.
	c.log.Info("camera starting", "room", c.ids.tag(string(cfg.Room)), "source", cfg.SourceName, "format", cfg.Format.String())
	return c, nil
}

func (c *Camera) transition(e Event) {
	next, err := c.state.Next(e)
	if err != nil {
		c.log.Debug("state machine", "err", err)
		return
	}
	if next != c.state {
		c.log.Debug("camera state", "from", c.state, "to", next, "event", e)
		c.state = next
		if c.cfg.OnState != nil {
			c.cfg.OnState(next)
		}
	}
}

// Run connects, joins and streams until ctx is cancelled; it never returns because
// of a network fault. It returns nil after cancellation.
func (c *Camera) Run(ctx context.Context) error {
	defer c.transition(EventStop)
	for {
		c.transition(EventConnect)
		err := c.connectAndServe(ctx)
		if ctx.Err() != nil {
			return nil
		}
		c.transition(EventSignalingLost)
		wait := c.cfg.Backoff.Next()
		attrs := []any{"err", c.redact(err), "in", wait.Round(time.Millisecond)}
		if h := connectHint(err); h != "" {
			attrs = append(attrs, "hint", h)
		}
		c.log.Warn("signaling lost; reconnecting", attrs...)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// redact is err's text with the room ID replaced by its log tag: the server's
// errors may quote it (e.g. room-full).
func (c *Camera) redact(err error) string {
	if err == nil {
		return ""
	}
	return strings.ReplaceAll(err.Error(), string(c.cfg.Room), "room#"+c.ids.tag(string(c.cfg.Room)))
}

func (c *Camera) connectAndServe(ctx context.Context) error {
	cl, err := c.dial(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer cl.Close()
	defer c.lost(cl) // before Close: Err is set only when the server or the network ended it
	joined, err := cl.Join(ctx, c.cfg.Room)
	if err != nil {
		return err
	}
	c.cfg.Backoff.Reset()
	c.cfg.ICE.Configuration(ctx) // fetched before the first viewer, not while it waits
	c.log.Info("joined room", "room", c.ids.tag(string(joined.Room)), "id", c.ids.tag(string(cl.ID())), "peers", len(joined.Peers))
	c.transition(EventJoined)
	return c.serve(ctx, cl)
}

// serve handles the room's messages until the connection is gone or ctx is done.
// Sessions live as long as the signaling connection: on return all are closed.
func (c *Camera) serve(ctx context.Context, cl *client.Client) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	msgs := make(chan protocol.Message)
	recvErr := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			m, err := cl.Receive(ctx)
			if err != nil {
				recvErr <- err
				return
			}
			select {
			case msgs <- m:
			case <-ctx.Done():
				recvErr <- ctx.Err()
				return
			}
		}
	}()

	pc := newPacer(c.cfg.Limits, c.cfg.Metrics, cl.Signal)
	sendErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		sendErr <- pc.run(ctx)
	}()

	// The backoff of churning viewers outlives a reconnect only within
	// this connection: their participant IDs do not survive it either.
	reg := newRegistry(ctx, c, pc, newAdmission(c.cfg.Limits))
	defer func() {
		reg.closeAll(errSignalingLost)
		cancel()
		reg.wait()
		wg.Wait()
	}()
	for {
		select {
		case err := <-recvErr:
			return err
		case err := <-sendErr:
			return err
		case h := <-reg.ended:
			reg.reap(h)
		case <-reg.due:
			reg.wake()
		case m := <-msgs:
			reg.handle(m)
		}
	}
}

// connectHint says what a person can do about a connection error that retrying
// alone will not fix: a server certificate the camera does not trust (the
// signaling server's self-signed one, on a first start without --tls-fingerprint).
func connectHint(err error) string {
	var host x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &host):
		return "the server's certificate is not for this host name: start the server with --tls-host NAME, or pin the certificate with --tls-fingerprint"
	case errors.As(err, &unknown), errors.As(err, &verify):
		return "the camera does not trust the server's certificate: pass --tls-fingerprint with the sha256= value the server logs at start, or --tls-ca FILE"
	}
	return ""
}
