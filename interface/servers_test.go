package webui_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
	webui "echtzeit/interface"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
	"echtzeit/signaling/signalingtest"
)

// TestServerListHandler: /signaling.json lists the other nodes, and the
// policy admits exactly their origins for connections.
func TestServerListHandler(t *testing.T) {
	h, err := webui.HandlerFor([]string{"wss://node2.example:8443/ws", "ws://10.0.0.3:8080/ws"})
	require.NoError(t, err)
	for _, path := range []string{"/", "/app.js", webui.ServersPath} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		require.Equal(t, http.StatusOK, rec.Code, path)
		csp := rec.Result().Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "connect-src 'self' wss://node2.example:8443 ws://10.0.0.3:8080;", path)
		assert.Contains(t, csp, "frame-ancestors 'none'", path)
		assert.Equal(t, "DENY", rec.Result().Header.Get("X-Frame-Options"), path)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, webui.ServersPath, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	assert.JSONEq(t, `{"urls":["wss://node2.example:8443/ws","ws://10.0.0.3:8080/ws"]}`, string(body))

	plain, err := webui.HandlerFor(nil)
	require.NoError(t, err)
	rec = httptest.NewRecorder()
	plain.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, webui.ServersPath, nil))
	assert.Equal(t, http.StatusNotFound, rec.Code, "a single server lists nothing")
	for _, bad := range []string{"https://x/ws", "wss://", "nope"} {
		_, err := webui.HandlerFor([]string{bad})
		assert.Error(t, err, bad)
	}
}

// TestPageMovesToTheNextServer: a page served by one server that names a
// second one stays in its room when the first goes away: it reconnects to
// the second and joins again.
func TestPageMovesToTheNextServer(t *testing.T) {
	ctx := testContext(t, 90*time.Second)
	// A serves the page and names B; B accepts the pages of A's origin.
	var h http.Handler
	a := signalingtest.Start(t, signalingtest.WithStatic(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) })))
	b := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()),
		signalingtest.WithConfig(func(c *server.Config) { c.PeerOrigins = []string{a.URL} }))
	var err error
	h, err = webui.HandlerFor([]string{b.WSURL})
	require.NoError(t, err)
	room := protocol.NewRoomID()
	page := chromium.Page(t)
	require.NoError(t, page.Navigate(ctx, a.URL+roomPath(room, "")))
	require.NoError(t, page.WaitFor(ctx, `window.echtzeit.snapshot().state === "joined"`, 20*time.Second, dump))
	// The list arrives once the page has started.
	require.NoError(t, page.WaitFor(ctx, `window.echtzeit.servers().all.length === 2`, 10*time.Second, dump))

	require.NoError(t, a.Server.Close())
	require.NoError(t, page.WaitFor(ctx, `(() => { const s = window.echtzeit.snapshot();
		return s.state === "joined" && window.echtzeit.servers().current === `+"`"+b.WSURL+"`"+`; })()`, 30*time.Second, "JSON.stringify([window.echtzeit.servers(), window.echtzeit.snapshot()])"))
	viewer, err := browser.Eval[string](ctx, page, `window.echtzeit.snapshot().room`)
	require.NoError(t, err)
	assert.Equal(t, string(room), viewer)
	assert.Empty(t, page.Exceptions())
}
