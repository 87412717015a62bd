package webui_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
	"echtzeit/signaling/protocol"
)

// heldCamera makes getUserMedia wait until the test calls window.__release().
const heldCamera = `(() => {
	const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
	let release;
	const released = new Promise(r => { release = r; });
	window.__release = () => release();
	navigator.mediaDevices.getUserMedia = async (c) => {
		await released;
		return gum(c);
	};
})();`

// TestViewerJoinsDuringGetUserMedia covers the race in FIELD-NOTES: the
// other participant arrives while the sender is still inside getUserMedia.
// The sender must add its track before the offer (when it offers) or the
// answer (when it answers), or the viewer never gets video.
func TestViewerJoinsDuringGetUserMedia(t *testing.T) {
	for _, senderFirst := range []bool{true, false} {
		name := map[bool]string{true: "sender offers", false: "sender answers"}[senderFirst]
		t.Run(name, func(t *testing.T) {
			srv := startServer(t)
			ctx := testContext(t, 180*time.Second)
			room := protocol.NewRoomID()
			sender := senderPage(ctx, t)
			require.NoError(t, sender.AddInitScript(ctx, heldCamera))
			senderURL := srv.URL + roomPath(room, "&send=camera&width=320&height=240")

			var viewer *browser.Page
			if senderFirst {
				require.NoError(t, sender.Navigate(ctx, senderURL))
				require.NoError(t, sender.WaitFor(ctx, `window.echtzeit.snapshot().state === "joined"`, 20*time.Second, dump))
				viewer = openPage(ctx, t, srv, roomPath(room, ""))
				// The sender learns of the viewer (Room/Join) with its camera still held.
				require.Eventually(t, func() bool { return strings.Contains(sender.ConsoleText(), "participant joined") },
					10*time.Second, 20*time.Millisecond)
			} else {
				viewer = openPage(ctx, t, srv, roomPath(room, ""))
				require.NoError(t, viewer.WaitFor(ctx, `window.echtzeit.snapshot().state === "joined"`, 20*time.Second, dump))
				require.NoError(t, sender.Navigate(ctx, senderURL))
				// The viewer's offer reaches the sender with its camera still held.
				require.NoError(t, sender.WaitFor(ctx, `window.echtzeit.snapshot().phases.offer !== null`, 20*time.Second, dump))
			}
			require.NoError(t, sender.Do(ctx, `window.__release()`))
			waitStreaming(ctx, t, viewer, 320, 240)
		})
	}
}
