package server

import (
	"net/http"
	"net/url"
	"strings"
)

// checkOrigin implements Config.AllowedOrigins. Without a list only the
// server's own origin passes: the same host and port and the same scheme
// (https for a TLS server, http for a plain one), so a page served over plain
// HTTP under the server's name cannot open the TLS server's socket.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser
	}
	if len(s.cfg.AllowedOrigins) == 0 {
		u, err := url.Parse(origin)
		if err != nil {
			return false
		}
		// Serve does the TLS handshake below net/http (netconn.go), so
		// r.TLS is nil there: Config.TLS tells.
		scheme := "http"
		if r.TLS != nil || s.cfg.TLS != nil {
			scheme = "https"
		}
		if strings.EqualFold(u.Scheme, scheme) && strings.EqualFold(u.Host, r.Host) {
			return true
		}
		for _, o := range s.cfg.PeerOrigins {
			if strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
				return true
			}
		}
		return false
	}
	for _, o := range s.cfg.AllowedOrigins {
		if o == "*" || strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}
