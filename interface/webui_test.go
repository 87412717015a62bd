package webui_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/phase"
	webui "echtzeit/interface"
)

func TestHandler(t *testing.T) {
	h := webui.Handler()
	cases := []struct {
		name, method, path string
		status             int
		contentType        string
		bodyContains       string
	}{
		{"index at root", http.MethodGet, "/", 200, "text/html; charset=utf-8", `<script type="module" src="/bundle.js?v=`},
		{"index with room query", http.MethodGet, "/?room=" + strings.Repeat("a", 64), 200, "text/html; charset=utf-8", "<title>echtzeit"},
		{"index by name", http.MethodGet, "/index.html", 200, "text/html; charset=utf-8", "<title>echtzeit"},
		{"module", http.MethodGet, "/main.js", 200, "text/javascript; charset=utf-8", "window.echtzeit"},
		{"bundle", http.MethodGet, "/bundle.js", 200, "text/javascript; charset=utf-8", "window.echtzeit"},
		{"bundle source map", http.MethodGet, "/bundle.js.map", 200, "application/json", `"sources"`},
		{"decoder module", http.MethodGet, "/framecode.js", 200, "text/javascript; charset=utf-8", "export function crc8"},
		{"style sheet", http.MethodGet, "/style.css", 200, "text/css; charset=utf-8", ".video-box"},
		{"head", http.MethodHead, "/app.js", 200, "text/javascript; charset=utf-8", ""},
		{"head index", http.MethodHead, "/", 200, "text/html; charset=utf-8", ""},
		{"unknown file", http.MethodGet, "/nope.js", 404, "", ""},
		{"no escape", http.MethodGet, "/../webui.go", 404, "", ""},
		{"post", http.MethodPost, "/", 405, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			res := rec.Result()
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, res.StatusCode)
			if tc.contentType != "" {
				assert.Equal(t, tc.contentType, res.Header.Get("Content-Type"))
				assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
			}
			if tc.method == http.MethodHead {
				assert.Empty(t, body)
			}
			assert.Contains(t, string(body), tc.bodyContains)
		})
	}
}

// TestOffline: the page loads nothing from other hosts (no CDN, no fonts).
func TestOffline(t *testing.T) {
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	n := 0
	err := fs.WalkDir(webui.Files(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		b, err := fs.ReadFile(webui.Files(), path)
		if err != nil {
			return err
		}
		// An SVG's namespace is a name, not a place the browser loads from.
		text := strings.ReplaceAll(string(b), `xmlns="http://www.w3.org/2000/svg"`, "")
		for _, m := range external.FindAllString(text, -1) {
			t.Errorf("%s refers to another host: %s", path, m)
		}
		return nil
	})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 8, "embedded files")
}

// TestPagePhasesMatchGo checks that the page's list of setup phases (app.js,
// PHASES) is the Go list, in the same order: the harness reads the page's
// phases by these names.
func TestPagePhasesMatchGo(t *testing.T) {
	src, err := fs.ReadFile(webui.Files(), "app.js")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^const PHASES = \[([^\]]*)\];`).FindSubmatch(src)
	require.NotNil(t, m, "app.js declares const PHASES = [...]")
	var page []string
	for _, s := range strings.Split(string(m[1]), ",") {
		page = append(page, strings.Trim(strings.TrimSpace(s), `"'`))
	}
	var want []string
	for _, p := range phase.All() {
		want = append(want, p.String())
	}
	assert.Equal(t, want, page)
}
