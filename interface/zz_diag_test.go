package webui_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
)

func TestZZDiagLoad(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 120*time.Second)
	for i := 0; i < 10; i++ {
		page := chromium.Page(t)
		if i%2 == 1 {
			require.NoError(t, page.Navigate(ctx, srv.URL+"/healthz"))
		}
		t0 := time.Now()
		require.NoError(t, page.Navigate(ctx, srv.URL+"/?x=1"))
		nav := time.Since(t0)
		require.NoError(t, page.WaitFor(ctx, "window.echtzeit && window.echtzeit.snapshot().id !== null", 20*time.Second, dump))
		s, err := browser.Eval[string](ctx, page, `(() => {
			const n = performance.getEntriesByType("navigation")[0];
			const r = performance.getEntriesByType("resource").filter(e => /early|main|app/.test(e.name)).map(e => e.name.replace(/^.*\//, "") + " " + e.startTime.toFixed(0) + "-" + e.responseEnd.toFixed(0));
			const p = window.echtzeit.snapshot().phases;
			return JSON.stringify({origin: performance.timeOrigin, fetchStart: n.fetchStart.toFixed(0), reqStart: n.requestStart.toFixed(0), respEnd: n.responseEnd.toFixed(0), domInteractive: n.domInteractive.toFixed(0), dcl: n.domContentLoadedEventEnd.toFixed(0), load: n.loadEventEnd.toFixed(0), early: window.__earlyAt.toFixed(0), pl: (p.pageLoaded - p.navigation).toFixed(0), ws: (p.wsOpen - p.navigation).toFixed(0), hello: (p.hello-p.navigation).toFixed(0), res: r});
		})()`)
		require.NoError(t, err)
		fmt.Printf("warm=%v navigate call %v: %s\n", i%2 == 1, nav, s)
		_ = t0
	}
}
