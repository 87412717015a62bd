package webui_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
)

// TestBoundConnected: the first frame bounds iceConnected and dtlsConnected
// (app.js boundConnected), because Chromium's state-change events can come
// after it; ICE stays no later than DTLS, and phases already earlier stay.
func TestBoundConnected(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 60*time.Second)
	page := openPage(ctx, t, srv, "/")

	// Times are ms after an origin o; the frame is seen at 100 and received
	// at 90 (receiveTime is on the performance.now clock, like the page's).
	type phases struct{ ICE, DTLS float64 }
	for _, tc := range []struct {
		name      string
		ice, dtls string // JS: a time, or null
		received  string // JS: receiveTime after o, or undefined
		want      phases
	}{
		{"both events late", "null", "null", "90", phases{90, 90}},
		{"connection state late", "40", "null", "90", phases{40, 90}},
		{"connection state after the frame", "40", "120", "90", phases{40, 90}},
		{"both before the frame", "40", "60", "90", phases{40, 60}},
		{"ICE late, DTLS early", "null", "60", "90", phases{60, 60}},
		{"no receiveTime: the callback's time", "null", "null", "undefined", phases{100, 100}},
		{"receiveTime after the callback", "null", "null", "150", phases{100, 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := browser.Eval[phases](ctx, page, `(async () => {
				const { Echtzeit } = await import("/app.js");
				const o = performance.now();
				const rel = (v) => (v === null ? null : performance.timeOrigin + o + v);
				const self = { phases: { iceConnected: rel(`+tc.ice+`), dtlsConnected: rel(`+tc.dtls+`) } };
				const r = `+tc.received+`;
				Echtzeit.prototype.boundConnected.call(self, { receiveTime: r === undefined ? undefined : o + r }, rel(100));
				const back = (v) => Math.round((v - performance.timeOrigin - o) * 1000) / 1000;
				return { ice: back(self.phases.iceConnected), dtls: back(self.phases.dtlsConnected) };
			})()`)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
