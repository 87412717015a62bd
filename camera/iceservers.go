package camera

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
)

// ICEServersPath is where the signaling server lists its ICE servers.
const ICEServersPath = "/iceservers"

// ICEServersURL is the GET /iceservers URL of the signaling server at
// signalingURL: wss://host:port/ws → https://host:port/iceservers.
func ICEServersURL(signalingURL string) (string, error) {
	return ServerURL(signalingURL, ICEServersPath, "")
}

// ServerURL is the HTTP(S) URL with path and query on the signaling server
// at signalingURL (wss → https, ws → http; its path, query and fragment are
// dropped): the page, /iceservers.
func ServerURL(signalingURL, path, query string) (string, error) {
	u, err := url.Parse(signalingURL)
	if err != nil {
		return "", fmt.Errorf("signaling url: %w", err)
	}
	switch u.Scheme {
	case "wss":
		u.Scheme = "https"
	case "ws":
		u.Scheme = "http"
	default:
		return "", fmt.Errorf("signaling url %q: scheme %q, want wss or ws", signalingURL, u.Scheme)
	}
	if u.Host == "" {
		return "", fmt.Errorf("signaling url %q has no host", signalingURL)
	}
	u.Path, u.RawQuery, u.Fragment = path, query, ""
	return u.String(), nil
}

// iceRetryDelay is the wait before a failed fetch is tried again.
const iceRetryDelay = 30 * time.Second

// ICEServers gives the camera's PeerConnections their ICE configuration: the
// STUN and TURN servers of the signaling server's GET /iceservers (fetched
// again when half of the credentials' lifetime has passed) and, when asked,
// the relay-only policy (webrtc-pc iceTransportPolicy "relay"). A nil
// *ICEServers gives the empty configuration: host candidates only.
type ICEServers struct {
	url       string
	http      *http.Client
	relayOnly bool
	log       *slog.Logger
	now       func() time.Time

	mu      sync.Mutex // guards the fields below; never held across the request
	servers []webrtc.ICEServer
	expires time.Time
	warned  bool
}

// NewICEServers fetches from url ("" fetches nothing) with hc.
func NewICEServers(url string, hc *http.Client, relayOnly bool, log *slog.Logger) *ICEServers {
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	if log == nil {
		log = slog.Default()
	}
	return &ICEServers{url: url, http: hc, relayOnly: relayOnly, log: log, now: time.Now}
}

// iceServersBody is the JSON of GET /iceservers (RTCIceServer entries).
type iceServersBody struct {
	ICEServers []struct {
		URLs       any    `json:"urls"` // a string or a list of strings
		Username   string `json:"username"`
		Credential string `json:"credential"`
	} `json:"iceServers"`
	TTL int64 `json:"ttl"`
}

// Configuration returns the configuration for a new PeerConnection, fetching
// the list first when it is stale. A failed fetch keeps the last list (or
// none) and is logged.
func (s *ICEServers) Configuration(ctx context.Context) webrtc.Configuration {
	if s == nil {
		return webrtc.Configuration{}
	}
	s.mu.Lock()
	stale := s.url != "" && !s.now().Before(s.expires)
	s.mu.Unlock()
	if stale {
		if err := s.Refresh(ctx); err != nil {
			s.log.Warn("no ICE servers from the signaling server; using the last list", "url", s.url, "err", err)
			s.mu.Lock()
			s.expires = s.now().Add(iceRetryDelay) // not again for every viewer
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := webrtc.Configuration{ICEServers: append([]webrtc.ICEServer(nil), s.servers...)}
	if s.relayOnly {
		c.ICETransportPolicy = webrtc.ICETransportPolicyRelay
		if len(s.servers) == 0 && !s.warned {
			s.warned = true
			s.log.Warn("relay-only without a TURN server: no viewer can connect")
		}
	}
	return c
}

// Refresh fetches the list now.
func (s *ICEServers) Refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("get ice servers: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get ice servers: %s", resp.Status)
	}
	var body iceServersBody
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body); err != nil {
		return fmt.Errorf("decode ice servers: %w", err)
	}
	servers := make([]webrtc.ICEServer, 0, len(body.ICEServers))
	for _, e := range body.ICEServers {
		var urls []string
		switch u := e.URLs.(type) {
		case string:
			urls = []string{u}
		case []any:
			for _, v := range u {
				if s, ok := v.(string); ok {
					urls = append(urls, s)
				}
			}
		}
		if len(urls) == 0 {
			continue
		}
		srv := webrtc.ICEServer{URLs: urls}
		if e.Username != "" || e.Credential != "" {
			srv.Username, srv.Credential = e.Username, e.Credential
		}
		servers = append(servers, srv)
	}
	now := s.now()
	expires := now.Add(100 * 365 * 24 * time.Hour) // no credentials: no need to fetch again
	if body.TTL > 0 {
		expires = now.Add(time.Duration(body.TTL) * time.Second / 2)
	}
	s.mu.Lock()
	s.servers, s.expires = servers, expires
	s.mu.Unlock()
	s.log.Debug("ICE servers", "servers", len(servers), "relay_only", s.relayOnly)
	return nil
}
