package webui_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
)

// TestChartModule runs chart.js's logic in Chromium: the scale, the URL switch,
// and how snapshots become samples (one per new stats reading, no bitrate for
// a session's first reading, the median latency of the frame codes decoded
// since the last sample, a minute of history).
func TestChartModule(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 60*time.Second)
	page := openPage(ctx, t, srv, "/")
	type result struct {
		Nice     []float64
		Enabled  []bool
		Counts   []int
		Kbps     []*float64
		Latency  []*float64
		Sessions []int
		Kept     int
	}
	got, err := browser.Eval[result](ctx, page, `(async () => {
		const m = await import("/chart.js");
		const r = {};
		r.Nice = [0, 0.7, 1, 3.3, 33, 515, 1100, 211].map(m.niceCeil);
		r.Enabled = ["", "?chart=1", "?room=x&chart=0", "?chart=off", "?chart=false"].map((s) => m.chartEnabled(s));
		const c = new m.ChartSamples();
		const snap = (session, ts, fps, kbps, decoded, lat) => ({
			session, inbound: { timestamp: ts }, outbound: null,
			derived: { fps, bitrateKbps: kbps, packetLossPct: 0 },
			frameCode: { decoded, latencyMs: lat },
		});
		r.Counts = [];
		const add = (s, t) => { c.add(s, t); r.Counts.push(c.samples.length); };
		add(snap(1, 1000, 30, 0, 10, [50, 60, 40]), 1000);         // first reading: no bitrate
		add(snap(1, 1000, 30, 0, 10, [50, 60, 40]), 2000);         // same reading again: nothing
		add(snap(1, 2000, 29, 500, 13, [50, 60, 40, 10, 90, 20]), 3000); // 3 new codes: median 20
		add(snap(1, 3000, 28, 400, 13, [50, 60, 40, 10, 90, 20]), 4000); // no new codes: no latency
		add({ session: 1, inbound: null, outbound: null, derived: {}, frameCode: { decoded: 13, latencyMs: [] } }, 5000);
		add(snap(2, 100, 15, 0, 2, [70, 80]), 6000);               // new session: first again
		r.Kbps = c.samples.map((s) => s.kbps);
		r.Latency = c.samples.map((s) => s.latencyMs);
		r.Sessions = c.samples.map((s) => s.session);
		c.add(snap(2, 200, 15, 300, 2, [70, 80]), 6000 + 70000);  // 70 s later: the old ones go
		r.Kept = c.samples.length;
		return r;
	})()`)
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 0.8, 1, 4, 40, 600, 1200, 250}, got.Nice)
	assert.Equal(t, []bool{true, true, false, false, false}, got.Enabled)
	assert.Equal(t, []int{1, 1, 2, 3, 3, 4}, got.Counts)
	f := func(v float64) *float64 { return &v }
	assert.Equal(t, []*float64{nil, f(500), f(400), nil}, got.Kbps)
	assert.Equal(t, []*float64{f(50), f(20), nil, f(75)}, got.Latency)
	assert.Equal(t, []int{1, 1, 1, 2}, got.Sessions)
	assert.Equal(t, 1, got.Kept)
}

// TestChartSwitch: the chart's canvas is under the stats line by default and
// absent with &chart=0; the page sets no inline style (a strict CSP forbids it).
func TestChartSwitch(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 60*time.Second)
	type dom struct {
		Canvas      bool
		AfterStats  bool
		Role        string
		InlineStyle int
	}
	const probe = `(() => {
		const c = document.querySelector("canvas.chart");
		return {
			Canvas: !!c,
			AfterStats: !!c && c.previousElementSibling === document.getElementById("stats"),
			Role: c ? c.getAttribute("role") : "",
			InlineStyle: document.querySelectorAll("[style]").length,
		};
	})()`
	for _, tt := range []struct {
		path string
		want dom
	}{
		{"/", dom{true, true, "img", 0}},
		{"/?chart=0", dom{false, false, "", 0}},
	} {
		page := openPage(ctx, t, srv, tt.path)
		got, err := browser.Eval[dom](ctx, page, probe)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, tt.path)
	}
}
