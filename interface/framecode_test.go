package webui_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera/framecode"
	"echtzeit/harness/browser"
	webui "echtzeit/interface"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// TestFrameCodeJS runs the page's decoder (framecode.js) on frames drawn
// in the page at several sizes, on damaged frames, and checks its counters.
func TestFrameCodeJS(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 150*time.Second)
	page := openPage(ctx, t, srv, "/")

	type roundTrip struct {
		W, H, Frame, Capture int
		OK                   bool
		GotFrame, GotCapture *int
	}
	type result struct {
		CRC         int
		CRCEmpty    int
		BlockSizes  []int
		RoundTrips  []roundTrip
		Damaged     bool
		TooSmall    bool
		Stats       browser.FrameCode
		Latencies   []int
		ParseBadCRC bool
		ParseZeros  bool
		BlackFrame  bool
	}
	res, err := browser.Eval[result](ctx, page, `(async () => {
		const fc = await import("/framecode.js");
		const out = {};
		out.CRC = fc.crc8(new TextEncoder().encode("123456789"));
		out.CRCEmpty = fc.crc8(new Uint8Array(0));
		out.BlockSizes = [[160, 90], [640, 480], [1280, 720], [1920, 1080], [15, 12], [16, 11], [16, 12]].map(([w, h]) => fc.blockSize(w, h));

		// A frame with a busy background, the code drawn by the test encoder.
		const frame = (w, h, n, t) => {
			const c = document.createElement("canvas");
			c.width = w; c.height = h;
			const g = c.getContext("2d");
			const img = g.createImageData(w, h);
			for (let i = 0; i < img.data.length; i += 4) {
				const p = i / 4, v = ((p % w) * 7 + Math.floor(p / w) * 3) % 256;
				img.data[i] = v; img.data[i + 1] = 255 - v; img.data[i + 2] = (v * 3) % 256; img.data[i + 3] = 255;
			}
			g.putImageData(img, 0, 0);
			fc.drawFrameCode(g, w, h, n, t);
			return c;
		};
		const reader = new fc.FrameCodeReader();
		out.RoundTrips = [];
		const sizes = [[160, 90], [161, 91], [320, 240], [640, 480], [720, 480], [1280, 720], [1920, 1080], [16, 12], [33, 25]];
		let n = 65530;
		for (const [w, h] of sizes) {
			const t = 16777215 - n; // near the wrap of both fields
			const r = await reader.read(frame(w, h, n, t), w, h);
			out.RoundTrips.push({W: w, H: h, Frame: n & 0xffff, Capture: t, OK: r.ok, GotFrame: r.frame, GotCapture: r.captureMs});
			n = (n + 1) & 0xffff;
		}
		// One block flipped: the CRC catches it.
		const damaged = frame(640, 480, 1234, 5678);
		const g = damaged.getContext("2d");
		const px = g.getImageData(40 * 3 + 20, 20, 1, 1).data[0];
		g.fillStyle = px > 128 ? "#000" : "#fff";
		g.fillRect(40 * 3, 0, 40, 40);
		out.Damaged = (await reader.read(damaged, 640, 480)).ok;
		out.TooSmall = (await reader.read(frame(32, 24, 1, 1), 15, 11)) === null;
		out.ParseBadCRC = fc.parseBytes(new Uint8Array([0, 1, 0, 0, 1, 0])) === null;
		out.ParseZeros = fc.parseBytes(new Uint8Array(6)) === null; // a black corner
		const black = document.createElement("canvas");
		black.width = 640; black.height = 480;
		const bg = black.getContext("2d");
		bg.fillStyle = "#000"; bg.fillRect(0, 0, 640, 480);
		out.BlackFrame = (await reader.read(black, 640, 480)).ok;

		// Counters: 10, 11, 11 (repeat), 14 (two skipped), garbage, 65535 (back), 0 (wrap).
		const s = new fc.FrameCodeStats();
		const now = 1_700_000_000_000;
		const cap = now % 16777216;
		for (const f of [10, 11, 11, 14]) s.add({ok: true, frame: f, captureMs: cap}, now + 40);
		s.add({ok: false}, now);
		s.add(null, now);
		s.add({ok: true, frame: 65535, captureMs: cap}, now + 40);
		s.add({ok: true, frame: 0, captureMs: (cap + 16777216 - 5) % 16777216}, now + 16777216 * 3);
		out.Stats = s.snapshot();
		out.Latencies = [fc.latencyMs(100, 16777216 + 150), fc.latencyMs(16777200, 16777216 * 2 + 10), fc.latencyMs(200, 150)];
		return out;
	})()`)
	require.NoError(t, err)

	assert.Equal(t, 0xF4, res.CRC, "CRC-8/SMBUS check value of \"123456789\"")
	assert.Equal(t, 0, res.CRCEmpty)
	assert.Equal(t, []int{7, 40, 60, 90, 0, 0, 1}, res.BlockSizes)
	for _, rt := range res.RoundTrips {
		if assert.True(t, rt.OK, "%dx%d decodes", rt.W, rt.H) {
			assert.Equal(t, rt.Frame, *rt.GotFrame, "%dx%d frame", rt.W, rt.H)
			assert.Equal(t, rt.Capture, *rt.GotCapture, "%dx%d capture time", rt.W, rt.H)
		}
	}
	assert.False(t, res.Damaged, "a flipped block fails the CRC")
	assert.True(t, res.TooSmall)
	assert.True(t, res.ParseBadCRC)
	assert.True(t, res.ParseZeros, "six zero bytes are no code")
	assert.False(t, res.BlackFrame, "a black frame is unreadable")
	assert.Equal(t, 6, res.Stats.Decoded) // every readable frame, the repeat included
	assert.Equal(t, 1, res.Stats.Unreadable)
	assert.Equal(t, 1, res.Stats.Repeated)
	// 12 and 13 are skipped; 14 → 65535 is a step back (≥ 2^15 forward), not a gap.
	assert.Equal(t, 2, res.Stats.Skipped)
	require.NotNil(t, res.Stats.LastFrame)
	assert.Equal(t, 0, *res.Stats.LastFrame)
	assert.Equal(t, []float64{40, 40, 40, 40, 40, 5}, res.Stats.LatencyMs)
	assert.Equal(t, []int{50, 26, -50}, res.Latencies)
}

// busyFrame is a w×h 4:2:0 frame with a textured background.
func busyFrame(w, h int) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		for x := range w {
			img.Y[img.YOffset(x, y)] = byte(16 + (x*5+y*11)%220)
		}
	}
	for i := range img.Cb {
		img.Cb[i] = byte(i % 256)
		img.Cr[i] = byte(255 - i%256)
	}
	return img
}

// TestFrameCodeCrossCheck: frames encoded by the camera's Go encoder
// (camera/framecode) are decoded by the page's JS, and frames encoded by the
// JS test encoder are decoded by Go.
func TestFrameCodeCrossCheck(t *testing.T) {
	// The Go frames are served from the page's own origin: its policy loads
	// images from nowhere else (no data: URLs).
	var frames sync.Map // path → PNG
	ui := webui.Handler()
	srv := signalingtest.Start(t, signalingtest.WithStatic(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := frames.Load(r.URL.Path); ok {
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(b.([]byte))
			return
		}
		ui.ServeHTTP(w, r)
	})))
	ctx := testContext(t, 180*time.Second)
	page := openPage(ctx, t, srv, "/")

	sizes := [][2]int{{160, 90}, {320, 180}, {640, 480}, {1280, 720}, {1920, 1080}}
	for i, size := range sizes {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("Go to JS %dx%d", w, h), func(t *testing.T) {
			code := framecode.New(uint64(65000+i*300), time.UnixMilli(1_764_000_000_000+int64(i)*12345))
			img := busyFrame(w, h)
			require.NoError(t, framecode.Encode(img, code))
			rgba := image.NewRGBA(img.Rect) // draw's fast YCbCr path; png would convert pixel by pixel
			draw.Draw(rgba, rgba.Rect, img, image.Point{}, draw.Src)
			var buf bytes.Buffer
			require.NoError(t, (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, rgba))
			type got struct {
				OK               bool
				Frame, CaptureMs int
			}
			path := fmt.Sprintf("/test-frame-%dx%d.png", w, h)
			frames.Store(path, buf.Bytes())
			g, err := browser.Eval[got](ctx, page, fmt.Sprintf(`(async () => {
				const fc = await import("/framecode.js");
				const img = new Image();
				img.src = %q;
				await img.decode();
				const r = await new fc.FrameCodeReader().read(img, img.naturalWidth, img.naturalHeight);
				return {OK: r.ok, Frame: r.frame ?? -1, CaptureMs: r.captureMs ?? -1};
			})()`, path))
			require.NoError(t, err)
			assert.Equal(t, got{true, int(code.Frame), int(code.CaptureMs)}, g)
		})
		t.Run(fmt.Sprintf("JS to Go %dx%d", w, h), func(t *testing.T) {
			frame, capture := 100+i*7, 16_000_000+i*99_999
			dataURL, err := browser.Eval[string](ctx, page, fmt.Sprintf(`(async () => {
				const fc = await import("/framecode.js");
				const c = document.createElement("canvas");
				c.width = %d; c.height = %d;
				const g = c.getContext("2d");
				g.fillStyle = "#7a7"; g.fillRect(0, 0, c.width, c.height);
				fc.drawFrameCode(g, c.width, c.height, %d, %d);
				return c.toDataURL("image/png");
			})()`, w, h, frame, capture))
			require.NoError(t, err)
			raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(dataURL, "data:image/png;base64,"))
			require.NoError(t, err)
			img, err := png.Decode(bytes.NewReader(raw))
			require.NoError(t, err)
			code, err := framecode.Decode(img)
			require.NoError(t, err)
			assert.Equal(t, framecode.Code{Frame: uint16(frame), CaptureMs: uint32(capture % framecode.TimeModulus)}, code)
		})
	}
}

// fakeCameraWithCode replaces getUserMedia with a 640×480 canvas stream that
// carries the frame code (its own encoder, written from DESIGN.md
// independently of framecode.js) over a moving background.
const fakeCameraWithCode = `(() => {
	const crc8 = (b) => { let c = 0; for (const x of b) { c ^= x; for (let i = 0; i < 8; i++) c = c & 0x80 ? ((c << 1) ^ 7) & 255 : (c << 1) & 255; } return c; };
	navigator.mediaDevices.getUserMedia = async () => {
		const W = 640, H = 480, bs = Math.min(Math.floor(W / 16), Math.floor(H / 12));
		const canvas = document.createElement("canvas");
		canvas.width = W; canvas.height = H;
		const g = canvas.getContext("2d");
		let n = 0;
		const draw = () => {
			const x = (n * 8) % W;
			g.fillStyle = "#345"; g.fillRect(0, 0, W, H);
			g.fillStyle = "#c84"; g.fillRect(x, 3 * bs, 80, H - 3 * bs);
			const t = Date.now() % 16777216;
			const b = [(n >> 8) & 255, n & 255, (t >> 16) & 255, (t >> 8) & 255, t & 255];
			b.push(crc8(b));
			for (let i = 0; i < 48; i++) {
				g.fillStyle = (b[i >> 3] >> (7 - (i & 7))) & 1 ? "#fff" : "#000";
				g.fillRect((i % 16) * bs, Math.floor(i / 16) * bs, bs, bs);
			}
			n = (n + 1) & 0xffff;
		};
		draw();
		setInterval(draw, 33);
		return canvas.captureStream(30);
	};
})();`

// TestFrameCodeThroughWebRTC sends frames with the code from one page to
// another over VP8 and checks that the viewer decodes them in order and
// measures a latency.
func TestFrameCodeThroughWebRTC(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 180*time.Second)
	room := protocol.NewRoomID()

	sender := senderPage(ctx, t)
	require.NoError(t, sender.AddInitScript(ctx, fakeCameraWithCode))
	require.NoError(t, sender.Navigate(ctx, srv.URL+roomPath(room, "&send=camera")))
	viewer := openPage(ctx, t, srv, roomPath(room, ""))
	require.NoError(t, viewer.WaitFor(ctx, `window.echtzeit.snapshot().frameCode.decoded >= 60`, 30*time.Second, dump))

	snap, err := viewer.Snapshot(ctx)
	require.NoError(t, err)
	fc := snap.FrameCode
	assert.Greater(t, fc.Decoded, fc.Unreadable, "most frames decode")
	require.NotNil(t, fc.LastFrame)
	require.NotEmpty(t, fc.LatencyMs)
	for _, l := range fc.LatencyMs {
		// Same machine, same clock: the latency is small and never negative.
		// The bound checks the time field, not the speed of this machine.
		assert.True(t, l >= 0 && l < 60_000, "latency %v ms", l)
	}
	t.Logf("frame code: %d decoded, %d unreadable, %d repeated, %d skipped, last latency %.0f ms",
		fc.Decoded, fc.Unreadable, fc.Repeated, fc.Skipped, fc.LatencyMs[len(fc.LatencyMs)-1])

	// The stats line shows the frame code figures.
	require.NoError(t, viewer.WaitFor(ctx, `document.getElementById("stats").textContent.includes("frame code")`, 10*time.Second, ""))
}
