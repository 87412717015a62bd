package webui_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
	"echtzeit/harness/phase"
	"echtzeit/signaling/protocol"
)

// roomPath is the URL path that joins room at once.
func roomPath(room protocol.RoomID, extra string) string {
	return "/?room=" + string(room) + extra
}

// waitStreaming waits until page decodes video of w×h.
func waitStreaming(ctx context.Context, t *testing.T, page *browser.Page, w, h int) browser.Snapshot {
	t.Helper()
	cond := fmt.Sprintf(`(() => { const s = window.echtzeit.snapshot();
		return s.state === "streaming" && s.phases.firstFrame !== null && s.inbound !== null &&
			s.inbound.framesDecoded > 10 && s.inbound.frameWidth === %d && s.inbound.frameHeight === %d; })()`, w, h)
	require.NoError(t, page.WaitFor(ctx, cond, 60*time.Second, dump))
	snap, err := page.Snapshot(ctx)
	require.NoError(t, err)
	return snap
}

// requirePhasesOrdered checks that every setup phase is present and in order.
// The socket opens while the page's modules load (earlysocket.js), so wsOpen
// and hello may come before pageLoaded; joined needs both.
func requirePhasesOrdered(t *testing.T, snap browser.Snapshot) {
	t.Helper()
	for _, p := range phase.All() {
		require.NotNil(t, snap.Phases.Get(p), "phase %s missing", p)
	}
	for _, pair := range [][2]phase.Phase{
		{phase.Navigation, phase.PageLoaded}, {phase.Navigation, phase.WSOpen}, {phase.WSOpen, phase.Hello},
		{phase.Hello, phase.Joined}, {phase.PageLoaded, phase.Joined}, {phase.Joined, phase.Offer}, {phase.Offer, phase.Answer},
		{phase.Answer, phase.ICEConnected}, {phase.ICEConnected, phase.DTLSConnected}, {phase.DTLSConnected, phase.FirstFrame},
	} {
		assert.LessOrEqual(t, *snap.Phases.Get(pair[0]), *snap.Phases.Get(pair[1]), "phase %s before %s", pair[1], pair[0])
	}
}

func TestBrowserToBrowser(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 150*time.Second)
	room := protocol.NewRoomID()

	sender := openPage(ctx, t, srv, roomPath(room, "&send=camera&width=640&height=480&fps=30"))
	require.NoError(t, sender.WaitFor(ctx, `window.echtzeit.snapshot().state === "joined"`, 20*time.Second, dump))
	viewer := openPage(ctx, t, srv, roomPath(room, ""))

	snap := waitStreaming(ctx, t, viewer, 640, 480)
	assert.Equal(t, string(room), *snap.Room)
	assert.Equal(t, 1, snap.Session)
	assert.Nil(t, snap.Error)
	requirePhasesOrdered(t, snap)
	require.NotNil(t, snap.Inbound)
	assert.Equal(t, "VP8", snap.Inbound.Codec, "Chromium's default codec")
	assert.Nil(t, snap.Outbound, "the viewer sends nothing")

	// getStats read directly agrees with the snapshot.
	type rtp struct {
		W, H, Decoded float64
	}
	direct, err := browser.Eval[rtp](ctx, viewer, `(async () => {
		const r = await window.echtzeit.pc.getStats();
		for (const s of r.values()) if (s.type === "inbound-rtp" && s.kind === "video")
			return {W: s.frameWidth, H: s.frameHeight, Decoded: s.framesDecoded};
		return null; })()`)
	require.NoError(t, err)
	assert.Equal(t, rtp{640, 480, direct.Decoded}, direct)
	assert.GreaterOrEqual(t, direct.Decoded, snap.Inbound.FramesDecoded)

	// The video element shows the stream, and the page shows the rest.
	size, err := browser.Eval[[]int](ctx, viewer, `[document.getElementById("remote").videoWidth, document.getElementById("remote").videoHeight]`)
	require.NoError(t, err)
	assert.Equal(t, []int{640, 480}, size)
	shown, err := browser.Eval[layout](ctx, viewer, readLayout)
	require.NoError(t, err)
	assert.Equal(t, layout{false, "flex", "block"}, shown)

	// The sender's side: it encodes 640×480 and reaches "streaming".
	require.NoError(t, sender.WaitFor(ctx, `(() => { const s = window.echtzeit.snapshot();
		return s.state === "streaming" && s.outbound !== null && s.outbound.framesEncoded > 0; })()`, 20*time.Second, dump))
	ssnap, err := sender.Snapshot(ctx)
	require.NoError(t, err)
	assert.Equal(t, 640.0, ssnap.Outbound.FrameWidth)
	assert.Equal(t, 480.0, ssnap.Outbound.FrameHeight)

	// Two readings a second apart give a rate; the stats line shows the figures.
	require.NoError(t, viewer.WaitFor(ctx, `(() => { const d = window.echtzeit.snapshot().derived;
		return d.fps > 0 && d.bitrateKbps > 0 && d.packetLossPct >= 0; })()`, 20*time.Second, dump))
	require.NoError(t, viewer.WaitFor(ctx, `document.getElementById("stats").textContent.includes("kbit/s")`, 10*time.Second,
		`document.getElementById("stats").textContent`))
	line, err := browser.Eval[string](ctx, viewer, `document.getElementById("stats").textContent`)
	require.NoError(t, err)
	assert.Contains(t, line, "fps")
	assert.Contains(t, line, "VP8")
	// Chromium's fake camera carries no frame code: its frames are unreadable
	// (a CRC-8 lets 1 in 256 random corners pass, so not necessarily all).
	assert.Greater(t, snap.FrameCode.Unreadable, snap.FrameCode.Decoded)
	t.Logf("viewer: setup %.0f ms (joined → first frame), %.1f fps, %s", *snap.Phases.Get(phase.FirstFrame)-*snap.Phases.Get(phase.Joined),
		snap.Derived.FPS, strings.TrimSpace(line))
}

// sentMessages records every frame the page sends on its WebSocket, as text,
// in window.__sent (installed before the page's scripts run).
const recordSent = `(() => {
	const send = WebSocket.prototype.send;
	window.__sent = [];
	WebSocket.prototype.send = function (data) {
		try { window.__sent.push(typeof data === "string" ? data : new TextDecoder().decode(data)); } catch (e) {}
		return send.call(this, data);
	};
})();`

func TestInvalidRoomNeverSent(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 150*time.Second)
	page := chromium.Page(t)
	require.NoError(t, page.AddInitScript(ctx, recordSent))
	require.NoError(t, page.Navigate(ctx, srv.URL+"/?room=abc-def"))
	require.NoError(t, page.WaitFor(ctx, "window.echtzeit.snapshot().id !== null", 20*time.Second, dump))

	cases := []struct {
		name, input, message string
	}{
		{"from the URL", "", "position 4"}, // "abc-def": "-" is the 4th character
		{"too short", strings.Repeat("ab", 31), "this one has 62"},
		{"too long", strings.Repeat("ab", 33), "this one has 66"},
		{"not hex", strings.Repeat("g", 64), "“g” at position 1"},
		{"empty", " ", "Enter a room ID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.input != "" {
				require.NoError(t, page.Do(ctx, fmt.Sprintf(`(() => {
					document.getElementById("room").value = %q;
					document.getElementById("join").click(); })()`, tc.input)))
			}
			require.NoError(t, page.WaitFor(ctx, `!document.getElementById("room-msg").hidden`, 10*time.Second, ""))
			msg, err := browser.Eval[string](ctx, page, `document.getElementById("room-msg").textContent`)
			require.NoError(t, err)
			assert.Contains(t, msg, tc.message)
			invalid, err := browser.Eval[string](ctx, page, `document.getElementById("room").getAttribute("aria-invalid")`)
			require.NoError(t, err)
			assert.Equal(t, "true", invalid)
		})
	}
	// window.echtzeit.join refuses too.
	_, err := browser.Eval[any](ctx, page, `window.echtzeit.join("xyz")`)
	require.Error(t, err)

	// Give a wrongly sent message time to arrive, then check nothing went out.
	require.NoError(t, page.Do(ctx, `new Promise(r => setTimeout(r, 300))`))
	sent, err := browser.Eval[[]string](ctx, page, "window.__sent")
	require.NoError(t, err)
	assert.Empty(t, sent, "the page sent nothing")
	snap, err := page.Snapshot(ctx)
	require.NoError(t, err)
	assert.Equal(t, "connected", snap.State)
	assert.Nil(t, snap.Room)

	// A valid ID in upper case with spaces around is accepted and sent lower case.
	room := protocol.NewRoomID()
	require.NoError(t, page.Do(ctx, fmt.Sprintf(`(() => {
		document.getElementById("room").value = "  %s ";
		document.getElementById("join").click(); })()`, strings.ToUpper(string(room)))))
	require.NoError(t, page.WaitFor(ctx, `window.echtzeit.snapshot().state === "joined"`, 20*time.Second, dump))
	sent, err = browser.Eval[[]string](ctx, page, "window.__sent")
	require.NoError(t, err)
	require.Len(t, sent, 1)
	m, err := protocol.Decode([]byte(sent[0]))
	require.NoError(t, err)
	assert.Equal(t, protocol.JoinOrCreate{Room: room}, m)
	hidden, err := browser.Eval[bool](ctx, page, `document.getElementById("room-msg").hidden`)
	require.NoError(t, err)
	assert.True(t, hidden)
}

// TestLeaveRejoinAndRoomFull: A streams to B; a third page gets the
// room-full error on screen; A closes → B shows the left state and an
// empty video; B joins another room and streams again.
func TestLeaveRejoinAndRoomFull(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 180*time.Second)
	room := protocol.NewRoomID()

	a := openPage(ctx, t, srv, roomPath(room, "&send=camera&width=320&height=240"))
	b := openPage(ctx, t, srv, roomPath(room, ""))
	waitStreaming(ctx, t, b, 320, 240)

	// A third participant: room-full on screen, connection still usable.
	c := openPage(ctx, t, srv, roomPath(room, ""))
	require.NoError(t, c.WaitFor(ctx, `window.echtzeit.snapshot().state === "error"`, 20*time.Second, dump))
	csnap, err := c.Snapshot(ctx)
	require.NoError(t, err)
	require.NotNil(t, csnap.Error)
	assert.Equal(t, protocol.CodeRoomFull, csnap.Error.Code)
	assert.Nil(t, csnap.Room)
	errText, err := browser.Eval[string](ctx, c, `(() => { const e = document.getElementById("error"); return e.hidden ? "" : e.textContent; })()`)
	require.NoError(t, err)
	assert.Contains(t, errText, "room is full")
	assert.Contains(t, errText, "room-full")
	// The connection stays usable: C joins a room of its own.
	_, err = browser.Eval[any](ctx, c, `window.echtzeit.newRoom()`)
	require.NoError(t, err)
	csnap, err = c.Snapshot(ctx)
	require.NoError(t, err)
	assert.Equal(t, "joined", csnap.State)
	assert.Nil(t, csnap.Error)
	hidden, err := browser.Eval[bool](ctx, c, `document.getElementById("error").hidden`)
	require.NoError(t, err)
	assert.True(t, hidden, "the error banner is gone")

	// A closes its tab: B is told Room/Leave.
	require.NoError(t, a.Close())
	require.NoError(t, b.WaitFor(ctx, `window.echtzeit.snapshot().state === "left"`, 40*time.Second, dump))
	empty, err := browser.Eval[bool](ctx, b, `(() => { const v = document.getElementById("remote");
		return v.srcObject === null && v.videoWidth === 0 && window.echtzeit.pc === null; })()`)
	require.NoError(t, err)
	assert.True(t, empty, "B's video is reset and its connection closed")
	placeholder, err := browser.Eval[string](ctx, b, `(() => { const p = document.getElementById("placeholder"); return p.hidden ? "" : p.textContent; })()`)
	require.NoError(t, err)
	assert.Contains(t, placeholder, "left")

	// B moves on: it joins another room, where a new sender streams to it.
	room2 := protocol.NewRoomID()
	_, err = browser.Eval[any](ctx, b, fmt.Sprintf(`window.echtzeit.join(%q)`, room2))
	require.NoError(t, err)
	openPage(ctx, t, srv, roomPath(room2, "&send=camera&width=640&height=360"))
	snap := waitStreaming(ctx, t, b, 640, 360)
	assert.Equal(t, string(room2), *snap.Room)
	assert.Equal(t, 2, snap.Session)
	requirePhasesOrdered(t, snap)
	assert.Nil(t, snap.Error)
}

// TestNextParticipantSameRoom: the viewer stays in its room after the sender
// left and streams from the next sender that joins (thesis §4.5.4); here the
// viewer was first, so it makes the offer.
func TestNextParticipantSameRoom(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 150*time.Second)
	room := protocol.NewRoomID()
	viewer := openPage(ctx, t, srv, roomPath(room, ""))
	require.NoError(t, viewer.WaitFor(ctx, `window.echtzeit.snapshot().state === "joined"`, 20*time.Second, dump))

	for i, size := range [][2]int{{320, 240}, {640, 480}} {
		sender := openPage(ctx, t, srv, roomPath(room, fmt.Sprintf("&send=camera&width=%d&height=%d", size[0], size[1])))
		snap := waitStreaming(ctx, t, viewer, size[0], size[1])
		assert.Equal(t, i+1, snap.Session)
		requirePhasesOrdered(t, snap)
		_, err := browser.Eval[any](ctx, sender, `window.echtzeit.leave()`)
		require.NoError(t, err)
		require.NoError(t, viewer.WaitFor(ctx, `window.echtzeit.snapshot().state === "left"`, 20*time.Second, dump))
		require.NoError(t, sender.Close())
	}
}

// TestShareCameraMidSession: the viewer starts sending its camera during a
// running session; the renegotiation (offered by the newcomer, the polite
// side) brings its video to the first page, and the first stream goes on.
func TestShareCameraMidSession(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 180*time.Second)
	room := protocol.NewRoomID()
	a := openPage(ctx, t, srv, roomPath(room, "&send=camera&width=640&height=480"))
	b := openPage(ctx, t, srv, roomPath(room, ""))
	waitStreaming(ctx, t, b, 640, 480)

	// Chromium's fake camera is shared by the tabs of one browser: B gets A's size.
	_, err := browser.Eval[any](ctx, b, `window.echtzeit.shareCamera({width: 640, height: 480, fps: 30})`)
	require.NoError(t, err)
	snap := waitStreaming(ctx, t, a, 640, 480)
	assert.Equal(t, 1, snap.Session, "same session, renegotiated")
	require.NotNil(t, snap.Outbound, "A still sends")
	// B sends too (its stats are read once a second) and still receives.
	require.NoError(t, b.WaitFor(ctx, `(() => { const s = window.echtzeit.snapshot();
		return s.outbound !== null && s.outbound.framesEncoded > 0 && s.inbound !== null && s.inbound.framesDecoded > 60; })()`,
		20*time.Second, dump))
	bsnap, err := b.Snapshot(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, bsnap.Session)
}

// TestCodecPreference: a sender page with &codec=X streams in X, for each of
// VP8, VP9 and H.264 that this Chromium can send.
func TestCodecPreference(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 180*time.Second)
	probe := openPage(ctx, t, srv, "/")
	sendable, err := browser.Eval[[]string](ctx, probe, `RTCRtpSender.getCapabilities("video").codecs.map(c => c.mimeType.toLowerCase())`)
	require.NoError(t, err)
	require.NoError(t, probe.Close())
	for _, codec := range []string{"vp8", "vp9", "h264"} {
		t.Run(codec, func(t *testing.T) {
			if !slices.Contains(sendable, "video/"+codec) {
				t.Skipf("this Chromium cannot send %s (it can: %v)", codec, sendable)
			}
			room := protocol.NewRoomID()
			sender := openPage(ctx, t, srv, roomPath(room, "&send=camera&width=320&height=240&codec="+codec))
			viewer := openPage(ctx, t, srv, roomPath(room, ""))
			snap := waitStreaming(ctx, t, viewer, 320, 240)
			assert.Equal(t, strings.ToUpper(codec), strings.ToUpper(snap.Inbound.Codec))
			require.NoError(t, sender.Close())
			require.NoError(t, viewer.Close())
		})
	}
}
