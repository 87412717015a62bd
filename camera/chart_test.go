package camera_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/harness/browser"
	webui "echtzeit/interface"
	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// chartPixels counts, per strip of the page's chart (fps, bitrate, latency),
// the pixels drawn in that series' colour: the line, not the labels' colour
// alone (a label is a few dozen pixels; the counts below need a line).
// The colours are read from the CSS the chart uses and resolved by painting
// them, so any CSS colour syntax works.
const chartPixels = `(() => {
	const c = document.querySelector("canvas.chart");
	if (!c) return null;
	const css = getComputedStyle(c);
	const probe = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
	const rgb = (name) => {
		probe.clearRect(0, 0, 1, 1);
		probe.fillStyle = css.getPropertyValue(name).trim();
		probe.fillRect(0, 0, 1, 1);
		return Array.from(probe.getImageData(0, 0, 1, 1).data.slice(0, 3));
	};
	const names = ["--chart-fps", "--chart-kbps", "--chart-latency"];
	const colors = names.map(rgb);
	const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
	const strips = colors.map(() => 0);
	const axis = 14 * (window.devicePixelRatio || 1);
	const stripH = (c.height - axis) / colors.length;
	let drawn = 0;
	for (let y = 0; y < c.height; y++) {
		for (let x = 0; x < c.width; x++) {
			const i = (y * c.width + x) * 4;
			if (data[i + 3] === 0) continue;
			drawn++;
			const s = Math.min(colors.length - 1, Math.floor(y / stripH));
			const [r, g, b] = colors[s];
			if (Math.abs(data[i] - r) < 40 && Math.abs(data[i + 1] - g) < 40 && Math.abs(data[i + 2] - b) < 40 && data[i + 3] > 200) strips[s]++;
		}
	}
	return { width: c.width, height: c.height, drawn, strips, label: c.getAttribute("aria-label") };
})()`

type chartReading struct {
	Width, Height, Drawn int
	Strips               []int
	Label                string
}

// TestChromiumChart: after a few seconds of a synthetic stream the page's live
// chart has drawn all three series (fps, bitrate, and latency from the frame
// code), read back from the canvas's pixels.
//
// With ECHTZEIT_SCREENSHOT=FILE it also saves a screenshot of the page with the
// chart (README's docs/page-chart.png):
//
//	ECHTZEIT_SCREENSHOT=$PWD/docs/page-chart.png scripts/netns.sh go test -run TestChromiumChart ./camera/
func TestChromiumChart(t *testing.T) {
	srv := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()))
	opts := []client.Option{client.WithTLSConfig(srv.TLSConfig)}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	room := protocol.NewRoomID()
	cam := startCamera(t, srv.WSURL, opts, room, camera.Format{Width: 640, Height: 360, FPS: 30, Codec: camera.CodecVP8})
	waitState(ctx, t, cam, camera.StateWaiting)
	shot := os.Getenv("ECHTZEIT_SCREENSHOT")
	page := chromium.Page(t)
	if shot != "" {
		_, err := chromedp.Run(page.Context(), chromedp.EmulateViewport(1200, 760))
		require.NoError(t, err)
	}
	require.NoError(t, page.Navigate(ctx, srv.URL+"/?room="+string(room)))
	waitDecoding(ctx, t, page, 640, 360, 30)

	// Three more stats readings at least: each adds a point to every series.
	require.NoError(t, page.WaitFor(ctx, `(() => { const c = document.querySelector("canvas.chart");
		return !!c && /fps \d/.test(c.getAttribute("aria-label")) && /latency \d/.test(c.getAttribute("aria-label")); })()`,
		20*time.Second, dump))
	if shot != "" {
		time.Sleep(50 * time.Second) // a longer line reads better in the README
	} else {
		time.Sleep(3 * time.Second)
	}
	got, err := browser.Eval[*chartReading](ctx, page, chartPixels)
	require.NoError(t, err)
	require.NotNil(t, got, "the chart's canvas is on the page")
	t.Logf("chart %dx%d: %d drawn pixels, series pixels %v; %s", got.Width, got.Height, got.Drawn, got.Strips, got.Label)
	assert.Greater(t, got.Width, 200)
	require.Len(t, got.Strips, 3)
	for i, name := range []string{"fps", "bitrate", "latency"} {
		assert.Greater(t, got.Strips[i], 60, "the %s line is drawn", name)
	}
	assert.Regexp(t, `fps \d+\.\d, bitrate \d+ kbit/s, latency \d+ ms`, got.Label)

	if shot != "" {
		png, err := chromedp.Run(page.Context(), chromedp.FullScreenshot(100))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(shot), 0o755))
		require.NoError(t, os.WriteFile(shot, png, 0o644))
		t.Logf("screenshot: %s (%d bytes)", shot, len(png))
	}
}
