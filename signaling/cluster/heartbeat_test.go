package cluster

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
)

// downRecorder is a ClusterHandler that records NodeDown.
type downRecorder struct {
	mu   sync.Mutex
	down []string
}

func (r *downRecorder) Deliver(server.Event) {}

func (r *downRecorder) NodeDown(node string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = append(r.down, node)
}

func (r *downRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.down
	r.down = nil
	return d
}

// heartbeatNode is a Node without NATS: enough for the heartbeat
// bookkeeping (onHeartbeat, watch, reapDead, alive), driven with explicit
// times.
func heartbeatNode(started time.Time) (*Node, *downRecorder) {
	rec := &downRecorder{}
	n := &Node{
		cfg:     Config{Heartbeat: time.Second, DeadAfter: 3 * time.Second, Logger: slog.New(slog.DiscardHandler)},
		id:      "self",
		seen:    make(map[string]peer),
		started: started,
		handler: rec,
	}
	return n, rec
}

func heartbeatFrom(n *Node, node string) { n.onHeartbeat(&nats.Msg{Data: []byte(node)}) }

func membersOf(nodes ...string) []server.Member {
	var ms []server.Member
	for i, node := range nodes {
		ms = append(ms, server.Member{ID: protocol.ParticipantID(fmt.Sprintf("p%d", i)), Node: node})
	}
	return ms
}

// TestNeverHeardMemberNodeIsReportedDown: a node named as a member of a room
// this node handed out, but never heard (it died before its heartbeats
// reached this node), is reported down DeadAfter after this node began to
// listen, once. This is the case of the killed-node test that timed out.
func TestNeverHeardMemberNodeIsReportedDown(t *testing.T) {
	started := time.Now()
	n, rec := heartbeatNode(started)
	n.reapDead(started.Add(time.Hour))
	require.Empty(t, rec.take(), "a node nobody named is not reported")

	n.watch(membersOf("self", "other"))
	assert.True(t, n.alive("other"), "within DeadAfter of the start a node not heard of may still be heard")
	n.reapDead(started.Add(3*time.Second - time.Millisecond))
	assert.Empty(t, rec.take())
	n.reapDead(started.Add(3 * time.Second))
	assert.Equal(t, []string{"other"}, rec.take())
	n.reapDead(started.Add(time.Hour))
	assert.Empty(t, rec.take(), "reported once")
}

func TestHeartbeatBookkeeping(t *testing.T) {
	const deadAfter = 3 * time.Second
	tests := []struct {
		name string
		// run drives the node; it returns the nodes expected down at the
		// end.
		run func(t *testing.T, n *Node, rec *downRecorder) []string
	}{
		{
			name: "heard, then silent",
			run: func(t *testing.T, n *Node, rec *downRecorder) []string {
				before := time.Now()
				heartbeatFrom(n, "other")
				after := time.Now()
				n.reapDead(before.Add(deadAfter - time.Millisecond))
				assert.Empty(t, rec.take())
				n.reapDead(after.Add(deadAfter))
				return []string{"other"}
			},
		},
		{
			name: "watched, heard in time: silent for DeadAfter from its heartbeat",
			run: func(t *testing.T, n *Node, rec *downRecorder) []string {
				n.watch(membersOf("other"))
				before := time.Now()
				heartbeatFrom(n, "other")
				after := time.Now()
				n.watch(membersOf("other")) // no reset to the start
				n.reapDead(before.Add(deadAfter - time.Millisecond))
				assert.Empty(t, rec.take())
				n.reapDead(after.Add(deadAfter))
				return []string{"other"}
			},
		},
		{
			name: "reported down, then named in a room again: reported again",
			run: func(t *testing.T, n *Node, rec *downRecorder) []string {
				heartbeatFrom(n, "other")
				n.reapDead(time.Now().Add(deadAfter))
				assert.Equal(t, []string{"other"}, rec.take())
				assert.False(t, n.alive("other"))
				n.watch(membersOf("other"))
				n.reapDead(time.Now())
				assert.Empty(t, rec.take(), "not before a heartbeat's time: the view may not have the members yet")
				n.reapDead(time.Now().Add(time.Second))
				return []string{"other"}
			},
		},
		{
			name: "members event watches its nodes",
			run: func(t *testing.T, n *Node, rec *downRecorder) []string {
				data, err := json.Marshal(server.Membership{Members: membersOf("self", "a", "b"), Revision: 7})
				require.NoError(t, err)
				m := nats.NewMsg("x")
				m.Header.Set(hdrKind, "members")
				m.Header.Set(hdrRoom, "room")
				m.Data = data
				n.onEvent(m)
				heartbeatFrom(n, "b")
				n.reapDead(time.Now().Add(time.Second))
				return []string{"a"}
			},
		},
		{
			name: "this node is never watched",
			run: func(t *testing.T, n *Node, rec *downRecorder) []string {
				n.watch(membersOf("self"))
				n.reapDead(time.Now().Add(time.Hour))
				return nil
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Started long ago: a node not heard of is dead at once.
			n, rec := heartbeatNode(time.Now().Add(-time.Hour))
			want := tt.run(t, n, rec)
			assert.Equal(t, want, rec.take())
		})
	}
}
