package webui_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
	"echtzeit/signaling/protocol"
)

// TestCanvasSourceFrames reads the canvas source's own track back in
// Chromium (MediaStreamTrackProcessor): every frame carries a readable frame
// code with rising numbers and a current capture time, and its picture is
// the synthetic pattern of that number in BT.601 studio-range luma.
func TestCanvasSourceFrames(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 90*time.Second)
	page := openPage(ctx, t, srv, "/")
	type frame struct {
		OK          bool
		Frame       int
		AgeMs       float64
		W, H        int
		LumaDiffers int
	}
	frames, err := browser.Eval[[]frame](ctx, page, `(async () => {
		const { CanvasSource } = await import("/canvassource.js");
		const fc = await import("/framecode.js");
		const pat = await import("/pattern.js");
		const q = await import("/quality.js");
		const w = 320, h = 180;
		const src = new CanvasSource({ width: w, height: h, fps: 30 });
		const track = src.start().getVideoTracks()[0];
		const reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
		const c = document.createElement("canvas");
		c.width = w; c.height = h;
		const g = c.getContext("2d", { willReadFrequently: true });
		const code = new fc.FrameCodeReader();
		const out = [];
		while (out.length < 12) {
			const { value: vf } = await reader.read();
			g.drawImage(vf, 0, 0);
			const r = await code.read(c, vf.displayWidth, vf.displayHeight);
			const seen = performance.timeOrigin + performance.now();
			const f = { OK: r.ok, Frame: r.frame ?? -1, AgeMs: r.ok ? fc.latencyMs(r.captureMs, seen) : -1, W: vf.displayWidth, H: vf.displayHeight, LumaDiffers: -1 };
			vf.close();
			if (r.ok) {
				const d = g.getImageData(0, 0, w, h).data;
				const ref = pat.drawLuma(new Uint8Array(w * h), w, h, r.frame);
				const ex = q.codeArea(w, h);
				let n = 0;
				for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
					if (x < ex.w && y < ex.h) continue;
					const p = (y * w + x) * 4;
					const luma = ((66 * d[p] + 129 * d[p + 1] + 25 * d[p + 2] + 128) >> 8) + 16;
					if (luma !== ref[y * w + x]) n++;
				}
				f.LumaDiffers = n;
			}
			out.push(f);
		}
		src.stop();
		return out;
	})()`)
	require.NoError(t, err)
	require.Len(t, frames, 12)
	prev := -1
	for i, f := range frames {
		require.True(t, f.OK, "frame %d has a readable code", i)
		assert.Equal(t, [2]int{320, 180}, [2]int{f.W, f.H})
		assert.Greater(t, f.Frame, prev, "frame numbers rise")
		prev = f.Frame
		// The capture time is the page's clock: the frame was drawn moments
		// ago (the bound checks the field, not the machine's speed).
		assert.True(t, f.AgeMs >= 0 && f.AgeMs < 10_000, "age %v ms", f.AgeMs)
		assert.Zero(t, f.LumaDiffers, "frame %d: pixels whose luma is not the pattern's", f.Frame)
	}
}

// TestCanvasSourceThroughWebRTC: a page sending the canvas source
// (send=canvas) to a viewer page that samples picture quality (quality=3):
// the viewer reads the frame codes (latency) and compares frames with their
// regenerated reference.
func TestCanvasSourceThroughWebRTC(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 180*time.Second)
	room := protocol.NewRoomID()

	sender := chromium.Page(t)
	require.NoError(t, sender.Navigate(ctx, srv.URL+roomPath(room, "&send=canvas&width=320&height=180&fps=30")))
	viewer := openPage(ctx, t, srv, roomPath(room, "&quality=3"))
	require.NoError(t, viewer.WaitFor(ctx, `window.echtzeit.snapshot().frameCode.decoded >= 45 && window.echtzeit.snapshot().quality.frames >= 5`, 60*time.Second, dump))

	snap, err := viewer.Snapshot(ctx)
	require.NoError(t, err)
	fc := snap.FrameCode
	assert.Greater(t, fc.Decoded, 10*fc.Unreadable, "the code decodes")
	for _, l := range fc.LatencyMs {
		assert.True(t, l >= 0 && l < 60_000, "latency %v ms", l)
	}
	require.NotNil(t, snap.Quality)
	q := snap.Quality
	require.NotEmpty(t, q.PSNRDb)
	for i := range q.PSNRDb {
		// VP8 on a 320×180 grey pattern: well above 35 dB. A reference in
		// the wrong range (studio against the full-range frames Chromium's
		// canvas capture makes) gives about 28 dB, another frame's about 10.
		assert.Greater(t, q.PSNRDb[i], 35.0, "PSNR of sample %d", i)
		assert.Greater(t, q.SSIM[i], 0.9, "SSIM of sample %d", i)
		assert.LessOrEqual(t, q.SSIM[i], 1.0)
	}
	senderSnap, err := sender.Snapshot(ctx)
	require.NoError(t, err)
	require.NotNil(t, senderSnap.Canvas)
	assert.Greater(t, senderSnap.Canvas.Frames, 45)
	t.Logf("viewer: %d codes, latency last %.0f ms; quality: %d frames, %d skipped, PSNR %.1f dB, SSIM %.3f; sender drew %d, skipped %d",
		fc.Decoded, fc.LatencyMs[len(fc.LatencyMs)-1], q.Frames, q.Skipped, q.PSNRDb[len(q.PSNRDb)-1], q.SSIM[len(q.SSIM)-1],
		senderSnap.Canvas.Frames, senderSnap.Canvas.Skipped)
}
