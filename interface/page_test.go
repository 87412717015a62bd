package webui_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/harness/browser"
	"echtzeit/harness/phase"
	webui "echtzeit/interface"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

func TestPageConnects(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 150*time.Second)
	page := openPage(ctx, t, srv, "/")
	snap, err := page.Snapshot(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, snap.Version)
	assert.Equal(t, "connected", snap.State)
	require.NotNil(t, snap.ID)
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), *snap.ID)
	assert.Nil(t, snap.Room)
	require.NotNil(t, snap.Phases.Get(phase.Navigation))
	require.NotNil(t, snap.Phases.Get(phase.WSOpen))
	require.NotNil(t, snap.Phases.Get(phase.Hello))
	assert.LessOrEqual(t, *snap.Phases.Get(phase.Navigation), *snap.Phases.Get(phase.WSOpen))
	assert.LessOrEqual(t, *snap.Phases.Get(phase.WSOpen), *snap.Phases.Get(phase.Hello))
	assert.Nil(t, snap.Phases.Get(phase.Joined))
}

func TestNewRoomButtonAndLink(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 150*time.Second)
	page := openPage(ctx, t, srv, "/")
	require.NoError(t, page.Do(ctx, `document.getElementById("new-room").click()`))
	require.NoError(t, page.WaitFor(ctx, `window.echtzeit.snapshot().state === "joined"`, 20*time.Second, dump))
	snap, err := page.Snapshot(ctx)
	require.NoError(t, err)
	require.NotNil(t, snap.Room)
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{64}$`), *snap.Room)

	type ui struct {
		Field, Link, Location string
		LinkShown, LeaveOn    bool
	}
	got, err := browser.Eval[ui](ctx, page, `({
		Field: document.getElementById("room").value,
		Link: document.getElementById("link").value,
		Location: location.href,
		LinkShown: !document.getElementById("link-row").hidden,
		LeaveOn: !document.getElementById("leave").disabled,
	})`)
	require.NoError(t, err)
	assert.Equal(t, ui{*snap.Room, srv.URL + "/?room=" + *snap.Room, srv.URL + "/?room=" + *snap.Room, true, true}, got)

	// Two new rooms are different (256 random bits each).
	second, err := browser.Eval[string](ctx, page, `window.echtzeit.newRoom()`)
	require.NoError(t, err)
	assert.NotEqual(t, *snap.Room, second)

	// Leave: out of the room, still connected, the link hidden.
	require.NoError(t, page.Do(ctx, `document.getElementById("leave").click()`))
	require.NoError(t, page.WaitFor(ctx, `window.echtzeit.snapshot().state === "connected"`, 20*time.Second, dump))
	shown, err := browser.Eval[bool](ctx, page, `!document.getElementById("link-row").hidden || location.search.includes("room=")`)
	require.NoError(t, err)
	assert.False(t, shown)
}

// TestJoinTwiceQuickly: a second join before the first is answered must not
// send a second JoinOrCreate without Leave (a protocol violation).
func TestJoinTwiceQuickly(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 150*time.Second)
	page := openPage(ctx, t, srv, "/")
	r1, r2 := protocol.NewRoomID(), protocol.NewRoomID()
	room, err := browser.Eval[string](ctx, page, fmt.Sprintf(`(async () => {
		const first = window.echtzeit.join(%q).then(() => "joined", (e) => "rejected");
		const second = window.echtzeit.join(%q);
		await first;
		return (await second).room;
	})()`, r1, r2))
	require.NoError(t, err)
	assert.Equal(t, string(r2), room)
	require.NoError(t, page.Do(ctx, `new Promise(r => setTimeout(r, 300))`))
	snap, err := page.Snapshot(ctx)
	require.NoError(t, err)
	assert.Equal(t, "joined", snap.State)
	assert.Equal(t, string(r2), *snap.Room)
	assert.Nil(t, snap.Error, "no protocol violation")
}

// TestPlainHTTP: served over http://, the page uses ws:// and streams.
func TestPlainHTTP(t *testing.T) {
	srv := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()), signalingtest.WithPlain())
	require.True(t, strings.HasPrefix(srv.URL, "http://"), srv.URL)
	ctx := testContext(t, 150*time.Second)
	page := senderPage(ctx, t)
	require.NoError(t, page.AddInitScript(ctx, trackSockets))
	room := protocol.NewRoomID()
	require.NoError(t, page.Navigate(ctx, srv.URL+roomPath(room, "&send=camera&width=320&height=240")))
	viewer := openPage(ctx, t, srv, roomPath(room, ""))
	waitStreaming(ctx, t, viewer, 320, 240)
	url, err := browser.Eval[string](ctx, page, `window.__sockets[0].url`)
	require.NoError(t, err)
	assert.Equal(t, strings.Replace(srv.URL, "http://", "ws://", 1)+"/ws", url)
}
