package turn

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pion/stun/v4"
)

// ICEServer is one entry of the list, in the form of the W3C RTCIceServer
// dictionary (webrtc-pc §4.2.4), so a page passes it to RTCPeerConnection as
// it is.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ICEServers is the body of GET /iceservers.
type ICEServers struct {
	ICEServers []ICEServer `json:"iceServers"`
	// TTL is how long the credentials stay valid, in seconds (0: none given).
	TTL int64 `json:"ttl,omitempty"`
}

// Path is where the signaling server serves the list.
const Path = "/iceservers"

// ErrURL wraps every refused ICE server URL.
var ErrURL = errors.New("ice server url")

// Directory answers GET /iceservers: the configured STUN and TURN URLs, one
// RTCIceServer each, the TURN ones with fresh REST credentials per request.
type Directory struct {
	urls   []string
	secret string
	ttl    time.Duration
	now    func() time.Time
}

// NewDirectory lists urls (stun:, stuns:, turn:, turns: as RFC 7064/7065
// write them) in this order. TURN URLs get credentials signed with secret,
// valid for ttl (DefaultTTL when 0); a TURN URL without a secret is an error.
func NewDirectory(secret string, ttl time.Duration, urls ...string) (*Directory, error) {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	var errs []error
	for _, u := range urls {
		turn, err := checkURL(u)
		if err != nil {
			errs = append(errs, err)
		} else if turn && secret == "" {
			errs = append(errs, fmt.Errorf("%w %q: a TURN server needs 'turn-secret' for its credentials", ErrURL, u))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Directory{urls: append([]string(nil), urls...), secret: secret, ttl: ttl, now: time.Now}, nil
}

// checkURL parses a STUN or TURN URL and reports whether it is a TURN one.
func checkURL(u string) (bool, error) {
	uri, err := stun.ParseURI(u)
	if err != nil {
		return false, fmt.Errorf("%w %q: %w (want stun:HOST[:PORT] or turn:HOST[:PORT][?transport=udp|tcp])", ErrURL, u, err)
	}
	return uri.Scheme == stun.SchemeTypeTURN || uri.Scheme == stun.SchemeTypeTURNS, nil
}

// List returns the ICE servers with credentials valid from now.
func (d *Directory) List() ICEServers {
	out := ICEServers{ICEServers: []ICEServer{}}
	var creds *Credentials
	for _, u := range d.urls {
		s := ICEServer{URLs: []string{u}}
		if strings.HasPrefix(u, "turn") {
			if creds == nil {
				c := NewCredentials(d.secret, "", d.now().Add(d.ttl))
				creds = &c
				out.TTL = int64(d.ttl / time.Second)
			}
			s.Username, s.Credential = creds.Username, creds.Password
		}
		out.ICEServers = append(out.ICEServers, s)
	}
	return out
}

// ServeHTTP answers GET and HEAD with the list as JSON, never cached.
func (d *Directory) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := json.Marshal(d.List())
	if err != nil {
		http.Error(w, "encode ice servers", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(append(body, '\n'))
}
