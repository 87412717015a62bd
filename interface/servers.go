package webui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ServersPath is where the page reads the signaling servers it may use
// besides its own origin (servers.js): {"urls": ["wss://node2:8443/ws", ...]}.
const ServersPath = "/signaling.json"

// HandlerFor serves the interface like Handler and tells the page the other
// signaling servers of a cluster (urls, wss:// or ws://): the page connects
// to its own origin first and moves to the next server when a connection
// fails or drops (DESIGN.md, "Signaling cluster"). The page's
// Content-Security-Policy then admits those servers in connect-src, and
// nothing else.
func HandlerFor(urls []string) (http.Handler, error) {
	base := Handler()
	if len(urls) == 0 {
		return base, nil
	}
	var origins []string
	for _, u := range urls {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "wss" && p.Scheme != "ws") || p.Host == "" {
			return nil, fmt.Errorf("signaling server %q for the page: want wss://host:port/ws", u)
		}
		origins = append(origins, p.Scheme+"://"+p.Host)
	}
	body, err := json.Marshal(struct {
		URLs []string `json:"urls"`
	}{urls})
	if err != nil {
		return nil, err
	}
	csp := strings.Replace(ContentSecurityPolicy, "connect-src 'self'", "connect-src 'self' "+strings.Join(origins, " "), 1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &cspWriter{ResponseWriter: w, csp: csp}
		if r.URL.Path == ServersPath && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			setSecurityHeaders(w.Header())
			w.Header().Set("Content-Security-Policy", csp)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(body)
			return
		}
		base.ServeHTTP(cw, r)
	}), nil
}

// cspWriter replaces the policy Handler set before the headers go out.
type cspWriter struct {
	http.ResponseWriter
	csp  string
	done bool
}

func (w *cspWriter) fix() {
	if !w.done {
		w.done = true
		w.ResponseWriter.Header().Set("Content-Security-Policy", w.csp)
	}
}

func (w *cspWriter) WriteHeader(code int) {
	w.fix()
	w.ResponseWriter.WriteHeader(code)
}

func (w *cspWriter) Write(b []byte) (int, error) {
	w.fix()
	return w.ResponseWriter.Write(b)
}
