package webui_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webui "echtzeit/interface"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
	"echtzeit/signaling/signalingtest"
	"echtzeit/signaling/turn"
)

// startServerWithTURN starts the signaling server with the embedded TURN
// server on loopback, wired as cmd/signaling wires it.
func startServerWithTURN(t *testing.T) (*signalingtest.Server, *turn.Server) {
	t.Helper()
	ts, err := turn.Start(turn.Config{Listen: "127.0.0.1:0", Secret: "page-relay-test"})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, ts.Close()) })
	dir, err := turn.NewDirectory("page-relay-test", time.Hour, ts.URLs()...)
	require.NoError(t, err)
	srv := signalingtest.Start(t, signalingtest.WithStatic(webui.Handler()), signalingtest.WithConfig(func(c *server.Config) {
		c.Handlers = map[string]http.Handler{turn.Path: dir}
		c.Collectors = ts.Metrics().Collectors()
	}))
	return srv, ts
}

// TestRelayOnly: two pages with ?relay=1 take the ICE servers from
// /iceservers and stream through the embedded TURN server: both select a
// relay candidate, and the server counts the relayed bytes.
func TestRelayOnly(t *testing.T) {
	srv, ts := startServerWithTURN(t)
	ctx := testContext(t, 150*time.Second)
	room := protocol.NewRoomID()

	sender := openPage(ctx, t, srv, roomPath(room, "&relay=1&send=camera&width=320&height=240&fps=30"))
	require.NoError(t, sender.WaitFor(ctx, `window.echtzeit.snapshot().state === "joined"`, 20*time.Second, dump))
	viewer := openPage(ctx, t, srv, roomPath(room, "&relay=1"))
	waitStreaming(ctx, t, viewer, 320, 240)

	require.NoError(t, viewer.WaitFor(ctx, `(() => { const i = window.echtzeit.snapshot().ice;
		return i.candidatePair !== null && i.gatheringMs !== null; })()`, 20*time.Second, dump))
	snap, err := viewer.Snapshot(ctx)
	require.NoError(t, err)
	require.NotNil(t, snap.ICE)
	assert.True(t, snap.ICE.RelayOnly)
	assert.Len(t, snap.ICE.Servers, 3, "STUN, TURN/UDP, TURN/TCP")
	require.NotNil(t, snap.ICE.CandidatePair)
	assert.Equal(t, "relay", snap.ICE.CandidatePair.LocalType)
	assert.Equal(t, "relay", snap.ICE.CandidatePair.RemoteType, "the sender is relay-only too")
	// TURN/UDP and TURN/TCP both work on loopback; under load the TCP pair
	// sometimes validates first and is kept.
	assert.Contains(t, []string{"udp", "tcp"}, snap.ICE.CandidatePair.RelayProtocol)
	assert.Greater(t, *snap.ICE.GatheringMs, 0.0)

	toPeer, fromPeer := ts.Metrics().RelayedBytes()
	assert.Greater(t, toPeer, int64(10_000), "video went through the relay")
	assert.Greater(t, fromPeer, int64(10_000))
	t.Logf("relay-only: pair %+v, gathering %.0f ms, relayed %d/%d bytes", *snap.ICE.CandidatePair, *snap.ICE.GatheringMs, toPeer, fromPeer)
}

// TestNoICEServers: a server without TURN answers an empty list and the page
// connects directly (host candidates), as before /iceservers existed.
func TestNoICEServers(t *testing.T) {
	srv := startServer(t)
	ctx := testContext(t, 150*time.Second)
	room := protocol.NewRoomID()
	sender := openPage(ctx, t, srv, roomPath(room, "&send=camera&width=320&height=240&fps=30"))
	require.NoError(t, sender.WaitFor(ctx, `window.echtzeit.snapshot().state === "joined"`, 20*time.Second, dump))
	viewer := openPage(ctx, t, srv, roomPath(room, ""))
	waitStreaming(ctx, t, viewer, 320, 240)
	require.NoError(t, viewer.WaitFor(ctx, `window.echtzeit.snapshot().ice.candidatePair !== null`, 20*time.Second, dump))
	snap, err := viewer.Snapshot(ctx)
	require.NoError(t, err)
	assert.False(t, snap.ICE.RelayOnly)
	assert.Empty(t, snap.ICE.Servers)
	assert.Equal(t, "host", snap.ICE.CandidatePair.LocalType)
	assert.Empty(t, snap.ICE.CandidatePair.RelayProtocol)
}
