package webui_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
	"echtzeit/harness/phase"
	webui "echtzeit/interface"
)

var staticImport = regexp.MustCompile(`(?m)^import\s[^;]*?from\s+"\./([a-z0-9-]+\.js)"`)

// TestModulePreloadComplete: index.html preloads exactly the modules of
// main.js's static import graph, so the browser fetches them in one round
// instead of level by level (a module added to the graph must be added
// there too; modules loaded on demand must not).
func TestModulePreloadComplete(t *testing.T) {
	files := webui.Files()
	graph := map[string]bool{}
	var walk func(string)
	walk = func(name string) {
		src, err := fs.ReadFile(files, name)
		require.NoError(t, err, name)
		for _, m := range staticImport.FindAllSubmatch(src, -1) {
			dep := string(m[1])
			if !graph[dep] {
				graph[dep] = true
				walk(dep)
			}
		}
	}
	walk("main.js")
	index, err := fs.ReadFile(files, "index.html")
	require.NoError(t, err)
	// Modules the page loads as scripts of their own need no preload.
	scripts := map[string]bool{}
	for _, m := range regexp.MustCompile(`<script type="module"[^>]* src="/([^"]+)">`).FindAllSubmatch(index, -1) {
		scripts[string(m[1])] = true
	}
	assert.True(t, scripts["earlysocket.js"], "the early socket is a script of its own")
	var want []string
	for name := range graph {
		if !scripts[name] {
			want = append(want, name)
		}
	}
	slices.Sort(want)

	var got []string
	for _, m := range regexp.MustCompile(`<link rel="modulepreload" href="/([^"]+)">`).FindAllSubmatch(index, -1) {
		got = append(got, string(m[1]))
	}
	slices.Sort(got)
	assert.Equal(t, want, got)
	assert.True(t, graph["earlysocket.js"], "signaling.js takes the early socket over")
	assert.NotContains(t, want, "canvassource.js", "loaded on demand")
	assert.NotContains(t, want, "quality.js", "loaded on demand")
}

// TestETags: every file has an ETag, and asking again with it gets 304.
func TestETags(t *testing.T) {
	h := webui.Handler()
	for _, path := range []string{"/", "/app.js", "/style.css", "/earlysocket.js"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		tag := rec.Header().Get("ETag")
		require.NotEmpty(t, tag, path)
		assert.Equal(t, "no-cache", rec.Header().Get("Cache-Control"))
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("If-None-Match", tag)
		again := httptest.NewRecorder()
		h.ServeHTTP(again, req)
		assert.Equal(t, http.StatusNotModified, again.Code, path)
		assert.Empty(t, again.Body.String())
		req.Header.Set("If-None-Match", `"other"`)
		changed := httptest.NewRecorder()
		h.ServeHTTP(changed, req)
		assert.Equal(t, http.StatusOK, changed.Code, path)
	}
}

// countSockets counts the WebSockets a page opens.
const countSockets = `(() => {
	const Orig = window.WebSocket;
	window.__sockets = 0;
	window.WebSocket = class extends Orig { constructor(...a) { super(...a); window.__sockets++; } };
})();`

// TestEarlySocketTakenOver: the page opens one WebSocket (earlysocket.js's,
// taken over by Signaling with its open event and Hello), and its setup
// phases say when the socket opened and Hello came, even when that was
// before the page's script ran.
func TestEarlySocketTakenOver(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 90*time.Second)
	page := chromium.Page(t)
	require.NoError(t, page.AddInitScript(ctx, countSockets))
	require.NoError(t, page.Navigate(ctx, srv.URL+"/"))
	require.NoError(t, page.WaitFor(ctx, "window.echtzeit && window.echtzeit.snapshot().id !== null", 20*time.Second, dump))
	n, err := browser.Eval[int](ctx, page, "window.__sockets")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "one socket: the early one, taken over")
	snap, err := page.Snapshot(ctx)
	require.NoError(t, err)
	nav, loaded := snap.Phases.Get(phase.Navigation), snap.Phases.Get(phase.PageLoaded)
	open, hello := snap.Phases.Get(phase.WSOpen), snap.Phases.Get(phase.Hello)
	require.NotNil(t, nav)
	require.NotNil(t, loaded)
	require.NotNil(t, open)
	require.NotNil(t, hello)
	assert.Less(t, *nav, *loaded)
	assert.Less(t, *nav, *open)
	assert.LessOrEqual(t, *open, *hello)
}
