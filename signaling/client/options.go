package client

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"
)

// Option configures Dial.
type Option func(*options) error

type options struct {
	tls         *tls.Config
	header      http.Header
	logger      *slog.Logger
	queue       int
	writeWait   time.Duration
	readLimit   int64
	dialTimeout time.Duration
}

func defaultOptions() options {
	return options{
		tls:         &tls.Config{MinVersion: tls.VersionTLS12},
		header:      http.Header{},
		logger:      slog.New(slog.DiscardHandler),
		queue:       256,
		writeWait:   10 * time.Second,
		readLimit:   128 << 10, // a relayed 64 KiB Signal grows by its "from"
		dialTimeout: 15 * time.Second,
	}
}

// WithTLSConfig uses cfg for wss:// connections (it is cloned).
func WithTLSConfig(cfg *tls.Config) Option {
	return func(o *options) error {
		if cfg == nil {
			return errors.New("nil TLS config")
		}
		o.tls = cfg.Clone()
		return nil
	}
}

// WithCAFile trusts the PEM certificates in path (in addition to nothing else: the
// system roots are not used).
func WithCAFile(path string) Option {
	return func(o *options) error {
		pem, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("CA file %s: no PEM certificate found", path)
		}
		o.tls.RootCAs = pool
		return nil
	}
}

// WithFingerprint accepts exactly the server certificate whose SHA-256 (of its DER
// form) is sha256Hex (colons and case are ignored), whoever signed it: for the
// self-signed certificate the server logs at start.
func WithFingerprint(sha256Hex string) Option {
	return func(o *options) error {
		want, err := ParseFingerprint(sha256Hex)
		if err != nil {
			return err
		}
		o.tls.InsecureSkipVerify = true // replaced by the check below
		o.tls.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("server sent no certificate")
			}
			got := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if got != want {
				return fmt.Errorf("%w: server certificate SHA-256 is %s", ErrFingerprintMismatch, hex.EncodeToString(got[:]))
			}
			return nil
		}
		return nil
	}
}

// WithInsecureSkipVerify accepts any server certificate. For loopback tests only.
func WithInsecureSkipVerify() Option {
	return func(o *options) error {
		o.tls.InsecureSkipVerify = true
		return nil
	}
}

// WithHeader adds HTTP headers (e.g. Origin) to the WebSocket handshake.
func WithHeader(h http.Header) Option {
	return func(o *options) error {
		for k, vs := range h {
			for _, v := range vs {
				o.header.Add(k, v)
			}
		}
		return nil
	}
}

// WithLogger sets the logger for connection events (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l != nil {
			o.logger = l
		}
		return nil
	}
}

// WithReceiveQueue sets how many received messages are buffered before the reader
// stops reading from the network (default 256).
func WithReceiveQueue(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return errors.New("receive queue must hold at least one message")
		}
		o.queue = n
		return nil
	}
}

// ParseFingerprint parses a SHA-256 fingerprint in hex, with or without colons.
func ParseFingerprint(s string) ([sha256.Size]byte, error) {
	var fp [sha256.Size]byte
	clean := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
	b, err := hex.DecodeString(clean)
	if err != nil || len(b) != sha256.Size {
		return fp, fmt.Errorf("TLS fingerprint %q is not a SHA-256 in hex", s)
	}
	copy(fp[:], b)
	return fp, nil
}

// TLSConfig returns the TLS configuration that Dial would use with opts, for
// other requests to the same server (e.g. its GET /iceservers).
func TLSConfig(opts ...Option) (*tls.Config, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	return o.tls.Clone(), nil
}
