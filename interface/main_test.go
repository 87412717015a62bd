package webui_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
	"echtzeit/harness/browser/browsertest"
	webui "echtzeit/interface"
	"echtzeit/signaling/signalingtest"
)

// chromium is the one browser of this test binary; every test opens tabs in it.
var chromium = browsertest.NewShared(browser.WithWebRTCTesting())

func TestMain(m *testing.M) { os.Exit(chromium.Run(m)) }

// startServer starts a real signaling server over TLS that serves the interface.
func startServer(t *testing.T) *signalingtest.Server {
	t.Helper()
	return signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()))
}

// testContext bounds a whole test.
func testContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// senderPage opens a tab whose &send=camera shares at once, as the harness's
// sender pages do (browser.AllowAutoShare); a person's page asks first.
func senderPage(ctx context.Context, t *testing.T) *browser.Page {
	t.Helper()
	page := chromium.Page(t)
	require.NoError(t, page.AllowAutoShare(ctx))
	return page
}

// openPage opens a tab at srv's URL + path (sharing at once when path says
// &send=camera) and waits until the page has its participant ID (Hello).
func openPage(ctx context.Context, t *testing.T, srv *signalingtest.Server, path string) *browser.Page {
	t.Helper()
	page := senderPage(ctx, t)
	require.NoError(t, page.Navigate(ctx, srv.URL+path))
	require.NoError(t, page.WaitFor(ctx, "window.echtzeit && window.echtzeit.snapshot().id !== null", 20*time.Second, dump))
	return page
}

// dump is the expression whose value a failed WaitFor shows.
const dump = "JSON.stringify(window.echtzeit && window.echtzeit.snapshot())"
