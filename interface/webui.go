package webui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
)

//go:generate go run ./internal/bundle/gen --static static

//go:embed static
var staticFS embed.FS

// contentTypes fixes the types this package serves, independent of the
// machine's mime database (some map .js to application/javascript, which
// browsers accept, but module scripts are spelled text/javascript in the
// HTML standard).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".json": "application/json",
	".map":  "application/json",
}

// ContentSecurityPolicy is the page's policy (DESIGN.md "The page's security"):
// scripts, styles, images and connections (the signaling WebSocket included:
// 'self' covers ws:/wss: to the same host in CSP Level 3) only from this origin,
// no inline script but index.html's own (allowed by their SHA-256), no inline
// style, no plugins, no <base>, and no framing by any site.
var ContentSecurityPolicy = "default-src 'self'; script-src 'self'" + inlineScriptHashes() +
	"; style-src 'self'; img-src 'self'; connect-src 'self'; media-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// inlineScript matches an inline <script> of index.html (one without src).
var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// inlineScriptHashes lists the CSP hash sources (" 'sha256-…'") of
// index.html's inline scripts: the early socket's.
func inlineScriptHashes() string {
	index, err := fs.ReadFile(staticFS, "static/index.html")
	if err != nil {
		return "" // none embedded: no inline script to allow
	}
	var out strings.Builder
	for _, m := range inlineScript.FindAllSubmatch(index, -1) {
		sum := sha256.Sum256(m[1])
		out.WriteString(" 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'")
	}
	return out.String()
}

// PermissionsPolicy keeps the camera and the microphone to this origin (no
// frame of another origin may ask for them) and turns off what the page never
// uses.
const PermissionsPolicy = "camera=(self), microphone=(self), display-capture=(), geolocation=(), payment=(), usb=()"

// securityHeaders are sent with every response of Handler: the policies above,
// X-Frame-Options for browsers without frame-ancestors, no Referer (the room ID
// is in the page's URL, and the room ID is the key to a camera: thesis §4.3.2),
// no MIME sniffing, and a browsing context group of its own (a page that opened
// this one gets no handle on it).
var securityHeaders = map[string]string{
	"Content-Security-Policy":    ContentSecurityPolicy,
	"X-Frame-Options":            "DENY",
	"Referrer-Policy":            "no-referrer",
	"Permissions-Policy":         PermissionsPolicy,
	"X-Content-Type-Options":     "nosniff",
	"Cross-Origin-Opener-Policy": "same-origin",
}

func setSecurityHeaders(h http.Header) {
	for k, v := range securityHeaders {
		h.Set(k, v)
	}
}

// Files returns the embedded static files, rooted at the folder that holds
// index.html.
func Files() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		// fs.Sub fails only for an invalid path; "static" is valid.
		return staticFS
	}
	return sub
}

// Handler serves the embedded interface: index.html at "/", the modules and
// style sheets under their names, with explicit content types and the security
// headers on every response. Unknown paths answer 404; only GET and HEAD are
// allowed. Every file carries an ETag (a hash of its content) with
// "Cache-Control: no-cache": a browser asks again each time but gets "304 Not
// Modified" for what it has, and keeps the compiled code of the modules it
// cached. index.html names the files it loads (versioned) with their hash in
// the query ("/bundle.js?v=…"); such a request is answered as immutable, so a
// browser that has the file loads it from its cache without asking (a faster
// page load, DESIGN.md "Setup phases").
func Handler() http.Handler {
	files := Files()
	tags := etags(files)
	index, indexTag := versionedIndex(files, tags)
	fileServer := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header())
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := path.Clean("/" + r.URL.Path)
		if name == "/" || name == "/index.html" {
			serveIndex(w, r, index, indexTag)
			return
		}
		if ct, ok := contentTypes[strings.ToLower(path.Ext(name))]; ok {
			w.Header().Set("Content-Type", ct)
		} else if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.Header().Set("Cache-Control", "no-cache")
		if v := r.URL.Query().Get("v"); v != "" && v == version(tags[strings.TrimPrefix(name, "/")]) {
			w.Header().Set("Cache-Control", immutable)
		}
		if tag, ok := tags[strings.TrimPrefix(name, "/")]; ok {
			// http.FileServer answers If-None-Match against this header.
			w.Header().Set("ETag", tag)
		}
		fileServer.ServeHTTP(w, r)
	})
}

// etags returns a strong ETag per file: the first 16 bytes of its SHA-256.
func etags(files fs.FS) map[string]string {
	tags := map[string]string{}
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		// An unreadable file (none in an embed.FS) just has no ETag.
		if err == nil && !d.IsDir() {
			if b, rerr := fs.ReadFile(files, p); rerr == nil {
				sum := sha256.Sum256(b)
				tags[p] = `"` + hex.EncodeToString(sum[:16]) + `"`
			}
		}
		return nil
	})
	return tags
}

// versioned are the files index.html loads on every page load; it names
// them with their version (the hash of their content) in the query.
var versioned = []string{"bundle.js", "style.css", "favicon.svg"}

// immutable is the caching of a versioned file requested with its current
// version: that URL never changes its content.
const immutable = "public, max-age=31536000, immutable"

// version is the query value naming a file's content: its ETag without quotes.
func version(tag string) string { return strings.Trim(tag, `"`) }

// versionedIndex returns index.html with the versioned files' URLs carrying
// their version ("/bundle.js" → "/bundle.js?v=…"), and its ETag; nil when
// there is no index.html.
func versionedIndex(files fs.FS, tags map[string]string) ([]byte, string) {
	body, err := fs.ReadFile(files, "index.html")
	if err != nil {
		return nil, ""
	}
	for _, name := range versioned {
		if v := version(tags[name]); v != "" {
			for _, attr := range []string{`src="/`, `href="/`} {
				body = bytes.ReplaceAll(body, []byte(attr+name+`"`), []byte(attr+name+"?v="+v+`"`))
			}
		}
	}
	sum := sha256.Sum256(body)
	return body, `"` + hex.EncodeToString(sum[:16]) + `"`
}

// serveIndex writes index.html directly: http.FileServer would redirect
// "/index.html" to "/" and drop the query string the page needs (?room=…).
func serveIndex(w http.ResponseWriter, r *http.Request, body []byte, tag string) {
	if body == nil {
		http.Error(w, "index.html missing", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentTypes[".html"])
	w.Header().Set("Cache-Control", "no-cache")
	if tag != "" {
		w.Header().Set("ETag", tag)
		if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, tag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}
