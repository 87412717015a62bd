package webui_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
	webui "echtzeit/interface"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// TestSecurityHeaders: every response of the interface carries the framing,
// referrer, permissions and content security policies (issue #14 defect 5).
func TestSecurityHeaders(t *testing.T) {
	h := webui.Handler()
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, "/"}, {http.MethodGet, "/?room=" + strings.Repeat("a", 64) + "&send=camera"},
		{http.MethodGet, "/main.js"}, {http.MethodGet, "/style.css"}, {http.MethodGet, "/favicon.svg"},
		{http.MethodHead, "/"}, {http.MethodGet, "/nope"}, {http.MethodPost, "/"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(r.method, r.path, nil))
		hd := rec.Result().Header
		name := r.method + " " + r.path
		csp := hd.Get("Content-Security-Policy")
		assert.Equal(t, webui.ContentSecurityPolicy, csp, name)
		assert.Contains(t, csp, "frame-ancestors 'none'", name)
		assert.Contains(t, csp, "default-src 'self'", name)
		assert.NotContains(t, csp, "unsafe", name)
		assert.Equal(t, "DENY", hd.Get("X-Frame-Options"), name)
		assert.Equal(t, "no-referrer", hd.Get("Referrer-Policy"), name)
		assert.Contains(t, hd.Get("Permissions-Policy"), "camera=(self)", name)
		assert.Equal(t, "nosniff", hd.Get("X-Content-Type-Options"), name)
		assert.Equal(t, "same-origin", hd.Get("Cross-Origin-Opener-Policy"), name)
	}
}

// TestNoInlineCode: the page has no inline style or event handler, which its
// policy would block, and one inline script, the early socket's, which the
// policy allows by its hash and nothing else.
func TestNoInlineCode(t *testing.T) {
	rec := httptest.NewRecorder()
	webui.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	body, err := io.ReadAll(rec.Result().Body)
	require.NoError(t, err)
	html := string(body)
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`<style`),
		regexp.MustCompile(`\sstyle=`),
		regexp.MustCompile(`\son[a-z]+=`),
		regexp.MustCompile(`(src|href)="(data|javascript):`),
	} {
		assert.False(t, bad.MatchString(html), "index.html matches %s", bad)
	}
	inline := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(html, -1)
	require.Len(t, inline, 1, "one inline script")
	assert.Contains(t, inline[0][1], "__echtzeitEarlySocket")
	sum := sha256.Sum256([]byte(inline[0][1]))
	assert.Contains(t, webui.ContentSecurityPolicy, "script-src 'self' 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"';")
	for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(html, -1) {
		if m != "<script>" {
			assert.Contains(t, m, `src="/`, "other scripts come from this origin")
		}
	}
}

// recordViolations collects the page's securitypolicyviolation events in
// window.__violations, from before the page's own scripts run.
const recordViolations = `window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber);
});`

func violations(ctx context.Context, t *testing.T, page *browser.Page) []string {
	t.Helper()
	v, err := browser.Eval[[]string](ctx, page, `window.__violations`)
	require.NoError(t, err)
	return v
}

// policyConsole returns the console lines about the page's policies.
func policyConsole(page *browser.Page) []string {
	var out []string
	for _, line := range strings.Split(page.ConsoleText(), "\n") {
		if strings.Contains(line, "Content Security Policy") || strings.Contains(line, "Permissions-Policy") ||
			strings.Contains(line, "Permissions policy") {
			out = append(out, line)
		}
	}
	return out
}

// TestPageWorksUnderItsPolicy: a browser-to-browser stream with every part of
// the page in use (join, share, stats, frame decoding, the confirm dialog) under
// the real headers in Chromium raises no policy violation; an inline script
// injected afterwards is blocked, so the policy is really in force.
func TestPageWorksUnderItsPolicy(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 150*time.Second)
	room := protocol.NewRoomID()

	sender := senderPage(ctx, t)
	require.NoError(t, sender.AddInitScript(ctx, recordViolations))
	require.NoError(t, sender.Navigate(ctx, srv.URL+roomPath(room, "&send=camera&width=320&height=240")))
	viewer := chromium.Page(t)
	require.NoError(t, viewer.AddInitScript(ctx, recordViolations))
	require.NoError(t, viewer.Navigate(ctx, srv.URL+roomPath(room, "&request=320x240@30")))
	waitStreaming(ctx, t, viewer, 320, 240)
	// The rest of the page: the confirm dialog, a new room, the stats line.
	asker := chromium.Page(t)
	require.NoError(t, asker.AddInitScript(ctx, recordViolations))
	require.NoError(t, asker.Navigate(ctx, srv.URL+"/?send=camera"))
	require.NoError(t, asker.WaitFor(ctx, `document.getElementById("share-confirm").open`, 10*time.Second, dump))
	require.NoError(t, asker.Do(ctx, `document.getElementById("share-confirm-no").click()`))
	require.NoError(t, asker.Do(ctx, `window.echtzeit.newRoom()`))
	require.NoError(t, viewer.WaitFor(ctx, `document.getElementById("stats").textContent.includes("fps")`, 10*time.Second, dump))

	for name, page := range map[string]*browser.Page{"sender": sender, "viewer": viewer, "asker": asker} {
		assert.Empty(t, violations(ctx, t, page), "%s: policy violations", name)
		assert.Empty(t, policyConsole(page), "%s: console lines about the policies", name)
		assert.Empty(t, page.Exceptions(), "%s: exceptions", name)
	}

	// The control: the policy is in force.
	ran, err := browser.Eval[bool](ctx, viewer, `(async () => {
		const s = document.createElement("script");
		s.textContent = "window.__inline = true";
		document.body.append(s);
		await new Promise((r) => setTimeout(r, 100));
		return window.__inline === true;
	})()`)
	require.NoError(t, err)
	assert.False(t, ran, "an inline script must not run")
	assert.NotEmpty(t, violations(ctx, t, viewer), "the blocked inline script is reported")
}

// TestFramingRefused: a page of another origin that frames the interface (with
// &send=camera, as a hostile site would) gets nothing rendered: Chromium fetches
// the document, sees frame-ancestors 'none' and loads none of its scripts.
func TestFramingRefused(t *testing.T) {
	var scripts atomic.Int64
	ui := webui.Handler()
	srv := signalingtest.Start(t, signalingtest.WithStatic(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".js") {
			scripts.Add(1)
		}
		ui.ServeHTTP(w, r)
	})))
	room := protocol.NewRoomID()
	framed := srv.URL + roomPath(room, "&send=camera")
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>elsewhere</title><iframe id="f" src="%s" allow="camera"></iframe>`, framed)
	}))
	t.Cleanup(other.Close)
	ctx := testContext(t, 60*time.Second)

	page := chromium.Page(t)
	require.NoError(t, page.Navigate(ctx, other.URL))
	require.NoError(t, page.WaitFor(ctx, `document.getElementById("f") !== null`, 10*time.Second, ""))
	time.Sleep(2 * time.Second) // time to load the frame's scripts, if it were allowed to
	assert.Zero(t, scripts.Load(), "no script of the interface was loaded inside the frame")

	// The same URL as a top-level page loads its scripts and asks before sharing.
	top := chromium.Page(t)
	require.NoError(t, top.Navigate(ctx, framed))
	require.NoError(t, top.WaitFor(ctx, `document.getElementById("share-confirm").open`, 10*time.Second, dump))
	assert.Positive(t, scripts.Load())
}

// countGetUserMedia wraps getUserMedia to count its calls in
// window.__getUserMedia.
const countGetUserMedia = `window.__getUserMedia = 0;
{
  const md = navigator.mediaDevices;
  const orig = md.getUserMedia.bind(md);
  md.getUserMedia = (c) => { window.__getUserMedia++; return orig(c); };
}`

// TestSendCameraAsksFirst: a link with &send=camera joins the room but opens
// the camera only after the person presses "Share my camera" (issue #14 defect
// 5); "Don't share" and a link that tries to switch the question off leave the
// camera closed.
func TestSendCameraAsksFirst(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 150*time.Second)
	room := protocol.NewRoomID()
	open := func(room protocol.RoomID, extra string) *browser.Page {
		page := chromium.Page(t)
		require.NoError(t, page.AddInitScript(ctx, countGetUserMedia))
		require.NoError(t, page.Navigate(ctx, srv.URL+roomPath(room, "&send=camera&width=320&height=240"+extra)))
		require.NoError(t, page.WaitFor(ctx, `window.echtzeit.snapshot().room !== null && document.getElementById("share-confirm").open`, 20*time.Second, dump))
		return page
	}
	cameraOpened := func(page *browser.Page) int {
		n, err := browser.Eval[int](ctx, page, `window.__getUserMedia`)
		require.NoError(t, err)
		return n
	}

	// Links that try to skip the question still ask.
	for _, extra := range []string{"&autoshare=1", "&__echtzeitAutoShare=true"} {
		page := open(protocol.NewRoomID(), extra)
		time.Sleep(300 * time.Millisecond)
		assert.Zero(t, cameraOpened(page), "%s: the camera stays closed while the page asks", extra)
		require.NoError(t, page.Do(ctx, `document.getElementById("share-confirm-no").click()`))
		closed, err := browser.Eval[bool](ctx, page, `!document.getElementById("share-confirm").open`)
		require.NoError(t, err)
		assert.True(t, closed)
		assert.Zero(t, cameraOpened(page), "%s: declined", extra)
		require.NoError(t, page.Close())
	}

	sender := open(room, "")
	text, err := browser.Eval[string](ctx, sender, `document.getElementById("share-confirm").textContent`)
	require.NoError(t, err)
	assert.Contains(t, text, string(room), "the question names the room")
	require.NoError(t, sender.Do(ctx, `document.getElementById("share-confirm-yes").click()`))
	assert.Equal(t, 1, cameraOpened(sender))
	viewer := openPage(ctx, t, srv, roomPath(room, ""))
	waitStreaming(ctx, t, viewer, 320, 240)
}
