package cluster_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/client"
	"echtzeit/signaling/cluster"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
	"echtzeit/signaling/signalingtest"
)

// testCluster is n signaling servers sharing their rooms over an embedded
// NATS cluster, all on loopback.
type testCluster struct {
	nodes   []*cluster.Node
	servers []*signalingtest.Server
}

func (tc *testCluster) targets() []signalingtest.Target {
	var ts []signalingtest.Target
	for _, s := range tc.servers {
		ts = append(ts, signalingtest.TargetOf(s))
	}
	return ts
}

// startCluster starts n nodes at once (JetStream needs a quorum before the
// room bucket exists), each behind its own server.
func startCluster(t testing.TB, n int, mutate func(*cluster.Config), serverCfg ...func(*server.Config)) *testCluster {
	t.Helper()
	ports := signalingtest.FreePorts(t, 2*n) // cluster ports, then NATS client ports
	var routes []string
	for _, p := range ports[:n] {
		routes = append(routes, "nats-route://127.0.0.1:"+strconv.Itoa(p))
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	tc := &testCluster{nodes: make([]*cluster.Node, n)}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		cfg := cluster.Config{
			Name: "test", Listen: "127.0.0.1:" + strconv.Itoa(ports[i]), Routes: routes,
			ClientListen: "127.0.0.1:" + strconv.Itoa(ports[n+i]),
			Heartbeat:    200 * time.Millisecond, DeadAfter: 1500 * time.Millisecond, Logger: logger,
		}
		if mutate != nil {
			mutate(&cfg)
		}
		wg.Go(func() {
			tc.nodes[i], errs[i] = cluster.Start(context.Background(), cfg)
		})
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "node %d", i)
		node := tc.nodes[i]
		t.Cleanup(func() { _ = node.Close() })
	}
	for _, node := range tc.nodes {
		tc.servers = append(tc.servers, signalingtest.Start(t, signalingtest.WithLogger(logger),
			signalingtest.WithConfig(func(c *server.Config) {
				c.Cluster = node
				for _, f := range serverCfg {
					f(c)
				}
			})))
	}
	return tc
}

func TestConformanceOnEveryNode(t *testing.T) {
	tc := startCluster(t, 3, nil)
	for i, s := range tc.servers {
		t.Run(fmt.Sprintf("node %d", i), func(t *testing.T) {
			signalingtest.RunConformance(t, signalingtest.TargetOf(s))
		})
	}
	t.Run("members on different nodes", func(t *testing.T) {
		signalingtest.RunConformance(t, tc.targets()...)
	})
}

// TestCapacityRace: 100 participants spread over three nodes race to join
// one room; exactly two get Joined, the others room-full, whatever node
// they came through.
func TestCapacityRace(t *testing.T) {
	tc := startCluster(t, 3, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	targets := tc.targets()
	room := protocol.NewRoomID()
	const n = 100
	clients := make([]*client.Client, n)
	for i := range n {
		tg := targets[i%len(targets)]
		c, err := client.Dial(ctx, tg.WSURL, tg.Options...)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		clients[i] = c
	}
	var joined, full atomic.Int32
	var other []error
	var mu sync.Mutex
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			<-start
			_, err := c.Join(ctx, room)
			var em *client.ErrorMessage
			switch {
			case err == nil:
				joined.Add(1)
			case errors.As(err, &em) && em.Code == protocol.CodeRoomFull:
				full.Add(1)
			default:
				mu.Lock()
				other = append(other, err)
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	require.Empty(t, other)
	assert.Equal(t, int32(2), joined.Load(), "Joined")
	assert.Equal(t, int32(n-2), full.Load(), "room-full")
}

// TestRelayLatencyAcrossNodes: a signal relayed from one node to another is
// counted in the receiving node's relay latency histogram (the harness reads
// the servers' relay latency of a cluster trial from it), and the sending
// node counts nothing for it.
func TestRelayLatencyAcrossNodes(t *testing.T) {
	tc := startCluster(t, 3, nil) // JetStream places the room bucket on three
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	targets := tc.targets()[:2]
	room := protocol.NewRoomID()
	var cs []*client.Client
	for _, tg := range targets {
		c, err := client.Dial(ctx, tg.WSURL, tg.Options...)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		_, err = c.Join(ctx, room)
		require.NoError(t, err)
		cs = append(cs, c)
	}
	// The first member knows the second once it hears Room/Join.
	m, err := cs[0].Receive(ctx)
	require.NoError(t, err)
	require.IsType(t, protocol.RoomJoin{}, m)
	signal := json.RawMessage(`{"candidate":null}`)
	require.NoError(t, cs[0].Signal(ctx, "", signal))
	m, err = cs[1].Receive(ctx)
	require.NoError(t, err)
	require.IsType(t, protocol.RoomSignal{}, m)
	assert.Equal(t, string(signal), string(m.(protocol.RoomSignal).Signal))
	relayed := func(s *signalingtest.Server) string {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/metrics", nil)
		require.NoError(t, err)
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: s.TLSConfig}}
		res, err := hc.Do(req)
		require.NoError(t, err)
		defer func() { _ = res.Body.Close() }()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		for line := range strings.Lines(string(body)) {
			if v, ok := strings.CutPrefix(line, "echtzeit_signaling_relay_latency_seconds_count "); ok {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	// The count grows after the frame is written, maybe after it arrived.
	assert.Eventually(t, func() bool { return relayed(tc.servers[1]) == "1" }, 10*time.Second, 50*time.Millisecond)
	assert.Equal(t, "0", relayed(tc.servers[0]))
	assert.Equal(t, "0", relayed(tc.servers[2]))
}
