package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/signalingtest"
)

// TestClusterKilledNode runs three signaling processes as one cluster, puts
// the two participants of a room on different nodes, kills one node with
// SIGKILL and checks that the survivor hears Room/Leave within the
// keepalive deadline (~25 s) — and that a client with the list of nodes
// moves to the next one and meets its peer again.
func TestClusterKilledNode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three nodes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin := buildBinary(t)
	// Cluster ports, then NATS client ports: all held open together so
	// none is given twice, and given to the nodes rather than left random.
	ports := signalingtest.FreePorts(t, 6)
	var routes []string
	for _, p := range ports[:3] {
		routes = append(routes, "nats-route://127.0.0.1:"+strconv.Itoa(p))
	}
	type node struct {
		pid  int
		url  string
		kill func()
	}
	nodes := make([]node, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() { // the nodes wait for each other (JetStream quorum)
			cmd, vals, lines := startBinary(ctx, t, bin, "--plain", "--addr", "127.0.0.1:0", "--log-level", "info",
				"--cluster-listen", "127.0.0.1:"+strconv.Itoa(ports[i]),
				"--cluster-client-listen", "127.0.0.1:"+strconv.Itoa(ports[3+i]), "--cluster-routes", routes[0]+","+routes[1]+","+routes[2],
				"--cluster-name", "killtest", "--cluster-dead-after", "3s")
			logOnFailure(t, fmt.Sprintf("node %d", i), lines)
			nodes[i] = node{pid: cmd.Process.Pid, url: "ws://" + vals["addr"] + "/ws", kill: func() { _ = cmd.Process.Signal(syscall.SIGKILL) }}
		})
	}
	wg.Wait()
	for _, n := range nodes {
		require.NotEmpty(t, n.url)
	}

	room := protocol.NewRoomID()
	camServers, err := client.NewServers(nodes[2].url, nodes[0].url)
	require.NoError(t, err)
	camera, err := camServers.Dial(ctx)
	require.NoError(t, err)
	defer camera.Close()
	_, err = camera.Join(ctx, room)
	require.NoError(t, err)
	viewer, err := client.Dial(ctx, nodes[0].url)
	require.NoError(t, err)
	defer viewer.Close()
	joined, err := viewer.Join(ctx, room)
	require.NoError(t, err)
	require.Equal(t, []protocol.ParticipantID{camera.ID()}, joined.Peers)

	nodes[2].kill()
	killed := time.Now()
	for {
		m, err := viewer.Receive(ctx)
		require.NoError(t, err)
		if rl, ok := m.(protocol.RoomLeave); ok {
			assert.Equal(t, camera.ID(), rl.ID)
			break
		}
	}
	took := time.Since(killed)
	t.Logf("Room/Leave %s after the node was killed", took.Round(time.Millisecond))
	assert.Less(t, took, 25*time.Second, "within the keepalive deadline")

	// The camera's connection died with its node; its list moves on.
	<-camera.Done()
	camServers.Failed(camera.URL())
	again, err := camServers.Dial(ctx)
	require.NoError(t, err)
	defer again.Close()
	assert.Equal(t, nodes[0].url, again.URL())
	_, err = again.Join(ctx, room)
	require.NoError(t, err, "the dead node's place in the room is free")
	rj, err := viewer.Receive(ctx)
	require.NoError(t, err)
	assert.Equal(t, protocol.RoomJoin{ID: again.ID()}, rj)
}

// logOnFailure keeps a node's log lines and writes them to the test's log
// if the test fails.
func logOnFailure(t *testing.T, name string, lines <-chan string) {
	var mu sync.Mutex
	var kept []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for l := range lines {
			mu.Lock()
			kept = append(kept, l)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		t.Logf("---- %s log (%d lines)\n%s", name, len(kept), strings.Join(kept, "\n"))
	})
}
