package webui_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
	"echtzeit/harness/browser/browsertest"
	"echtzeit/harness/phase"
	webui "echtzeit/interface"
	"echtzeit/signaling/protocol"
)

// TestPageScripts: index.html loads one script, the bundle of all modules
// (interface/internal/bundle checks that it is up to date), after its inline
// early socket, and preloads nothing: one request for the page's code
// instead of one per module.
func TestPageScripts(t *testing.T) {
	index, err := fs.ReadFile(webui.Files(), "index.html")
	require.NoError(t, err)
	var scripts []string
	for _, m := range regexp.MustCompile(`<script type="module"[^>]* src="/([^"]+)">`).FindAllSubmatch(index, -1) {
		scripts = append(scripts, string(m[1]))
	}
	assert.Equal(t, []string{"bundle.js"}, scripts)
	assert.Less(t, strings.Index(string(index), "<script>"), strings.Index(string(index), "<link"), "the early socket comes first")
	assert.NotContains(t, string(index), "modulepreload")
	for _, name := range scripts {
		_, err := fs.Stat(webui.Files(), name)
		assert.NoError(t, err, name)
	}
}

// TestETags: every file has an ETag, and asking again with it gets 304.
func TestETags(t *testing.T) {
	h := webui.Handler()
	for _, path := range []string{"/", "/app.js", "/style.css", "/bundle.js"} {
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

// countSockets counts the WebSockets a page opens and notes the document's
// readyState at each ("loading": while the parser still reads index.html).
const countSockets = `(() => {
	const Orig = window.WebSocket;
	window.__sockets = [];
	window.WebSocket = class extends Orig { constructor(...a) { super(...a); window.__sockets.push(document.readyState); } };
})();`

// TestEarlySocketTakenOver: the page opens one WebSocket, while the parser is
// still on index.html (the inline early socket, which the CSP lets run, taken
// over by Signaling with its open event and Hello), and its setup
// phases say when the socket opened and Hello came, even when that was
// before the page's script ran.
func TestEarlySocketTakenOver(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 90*time.Second)
	page := chromium.Page(t)
	require.NoError(t, page.AddInitScript(ctx, countSockets))
	require.NoError(t, page.Navigate(ctx, srv.URL+"/"))
	require.NoError(t, page.WaitFor(ctx, "window.echtzeit && window.echtzeit.snapshot().id !== null", 20*time.Second, dump))
	states, err := browser.Eval[[]string](ctx, page, "window.__sockets")
	require.NoError(t, err)
	assert.Equal(t, []string{"loading"}, states, "one socket: the early one, opened during parsing, taken over")
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

// countRequests records the URLs of the page's WebSockets and fetches.
const countRequests = `(() => {
	const Orig = window.WebSocket;
	window.__sockets = [];
	window.WebSocket = class extends Orig { constructor(...a) { super(...a); window.__sockets.push(String(a[0])); } };
	const f = window.fetch;
	window.__fetches = [];
	window.fetch = (...a) => { window.__fetches.push(String(a[0])); return f(...a); };
	document.addEventListener("DOMContentLoaded", () => {
		window.__layoutAtLoad = { videoFirst: document.documentElement.classList.contains("video-first"),
			header: getComputedStyle(document.querySelector("header")).display,
			stage: getComputedStyle(document.querySelector(".stage")).display };
	});
})();`

// layout is what the page shows: whether it lays out the video first, and
// the header's and the video's display.
type layout struct {
	VideoFirst    bool
	Header, Stage string
}

const readLayout = `({ videoFirst: document.documentElement.classList.contains("video-first"),
	header: getComputedStyle(document.querySelector("header")).display,
	stage: getComputedStyle(document.querySelector(".stage")).display })`

// TestJoinOnConnect: a viewer's link (?room=ID) joins on connect — the early
// socket carries the room, the page sends no JoinOrCreate (the server counts
// none) and is in the room — and the page asks for /iceservers once, from
// the inline script. A link that sends (send=camera) joins with JoinOrCreate.
// A viewer's link lays out only the video until the first frame (or a
// second); a sender's page shows all at once.
func TestJoinOnConnect(t *testing.T) {
	srv, _ := startServerWithTURN(t) // with GET /iceservers
	ctx := testContext(t, 90*time.Second)
	joinsIn := func() string {
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: srv.TLSConfig}, Timeout: 10 * time.Second}
		defer hc.CloseIdleConnections()
		resp, err := hc.Get(srv.URL + "/metrics")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return regexp.MustCompile(`(?m)^echtzeit_signaling_messages_in_total\{type="JoinOrCreate"\} (\d+)$`).FindString(string(b))
	}
	for _, tc := range []struct {
		name, query   string
		joinOnConnect bool
	}{
		{"viewer", "", true},
		{"sender", "&send=camera", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := joinsIn()
			room := string(protocol.NewRoomID())
			page := chromium.Page(t)
			require.NoError(t, page.AddInitScript(ctx, countRequests))
			require.NoError(t, page.Navigate(ctx, srv.URL+"/?room="+room+tc.query))
			require.NoError(t, page.WaitFor(ctx, "window.echtzeit && window.echtzeit.snapshot().room === "+strconv.Quote(room), 20*time.Second, dump))
			sockets, err := browser.Eval[[]string](ctx, page, "window.__sockets")
			require.NoError(t, err)
			require.Len(t, sockets, 1)
			fetches, err := browser.Eval[[]string](ctx, page, "window.__fetches")
			require.NoError(t, err)
			assert.Equal(t, []string{"/iceservers"}, slices.DeleteFunc(fetches, func(u string) bool { return !strings.Contains(u, "iceservers") }))
			atLoad, err := browser.Eval[layout](ctx, page, "window.__layoutAtLoad")
			require.NoError(t, err)
			if tc.joinOnConnect {
				assert.True(t, strings.HasSuffix(sockets[0], "/ws?room="+room), sockets[0])
				assert.Equal(t, before, joinsIn(), "no JoinOrCreate from the page")
				assert.Equal(t, layout{true, "none", "block"}, atLoad, "a viewer's link lays out the video first")
				// Nobody sends in this room: the rest of the page comes after a second.
				require.NoError(t, page.WaitFor(ctx, `!document.documentElement.classList.contains("video-first")`, 10*time.Second, readLayout))
				now, err := browser.Eval[layout](ctx, page, readLayout)
				require.NoError(t, err)
				assert.Equal(t, layout{false, "flex", "block"}, now)
			} else {
				assert.Equal(t, layout{false, "flex", "block"}, atLoad, "a sender's page shows all at once")
				assert.True(t, strings.HasSuffix(sockets[0], "/ws"), sockets[0])
				assert.NotEqual(t, before, joinsIn(), "the sender page joins with JoinOrCreate")
			}
		})
	}
}

// TestVersionedFiles: index.html names the files it loads with their
// version; with the current version they are cached as immutable (a
// returning browser does not ask again), with another or none they are
// revalidated like every other file.
func TestVersionedFiles(t *testing.T) {
	h := webui.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	index := rec.Body.String()
	for _, name := range []string{"bundle.js", "style.css", "favicon.svg"} {
		t.Run(name, func(t *testing.T) {
			m := regexp.MustCompile(`"/` + regexp.QuoteMeta(name) + `\?v=([0-9a-f]{32})"`).FindStringSubmatch(index)
			require.NotNil(t, m, "index.html loads %s with its version", name)
			cases := []struct {
				query, cacheControl string
			}{
				{"?v=" + m[1], "public, max-age=31536000, immutable"},
				{"?v=" + strings.Repeat("0", 32), "no-cache"},
				{"", "no-cache"},
			}
			for _, tc := range cases {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+name+tc.query, nil))
				assert.Equal(t, http.StatusOK, rec.Code, tc.query)
				assert.Equal(t, tc.cacheControl, rec.Header().Get("Cache-Control"), tc.query)
				assert.Equal(t, `"`+m[1]+`"`, rec.Header().Get("ETag"), "the version is the file's ETag")
			}
		})
	}
}

// TestVersionedFilesFromCache: a second page load takes the bundle and the
// style sheet from Chromium's cache without a request (a revalidation would
// show as a transfer of the response's headers).
func TestVersionedFilesFromCache(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 90*time.Second)
	const transfers = `Object.fromEntries(performance.getEntriesByType("resource")
		.filter((e) => /\/(bundle\.js|style\.css)\?v=/.test(e.name))
		.map((e) => [new URL(e.name).pathname, e.transferSize]))`
	br := browsertest.LaunchForTest(t, browser.WithFakeCamera(30), browser.WithLoopbackPeerConnection(),
		browser.WithTrustedKeys(srv.SPKIFingerprint), browser.WithIgnoreCertErrors())
	var sizes []map[string]float64
	for range 2 {
		page, err := br.NewPage(ctx)
		require.NoError(t, err)
		require.NoError(t, page.Navigate(ctx, srv.URL+"/"))
		require.NoError(t, page.WaitFor(ctx, "window.echtzeit && window.echtzeit.snapshot().id !== null", 20*time.Second, dump))
		s, err := browser.Eval[map[string]float64](ctx, page, transfers)
		require.NoError(t, err)
		sizes = append(sizes, s)
	}
	require.Len(t, sizes[0], 2, "the page loads the bundle and the style sheet by versioned URL")
	assert.Positive(t, sizes[0]["/bundle.js"], "first load: from the server")
	assert.Equal(t, map[string]float64{"/bundle.js": 0, "/style.css": 0}, sizes[1], "second load: from the cache, no request")
}
