package cluster

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
)

// Header names of an event message.
const (
	hdrKind = "Ez-Kind"
	hdrRoom = "Ez-Room"
	hdrTo   = "Ez-To"
	hdrRead = "Ez-Read" // EventSignal: when the sender read it, Unix ns
)

// Publish implements server.Cluster: an EventMembers carries its Membership
// as JSON, an EventSignal its frame as it is.
func (n *Node) Publish(node string, ev server.Event) error {
	m := nats.NewMsg(n.nodeSubject(node))
	m.Header.Set(hdrRoom, string(ev.Room))
	switch ev.Kind {
	case server.EventMembers:
		data, err := json.Marshal(ev.Membership)
		if err != nil {
			return fmt.Errorf("encode membership: %w", err)
		}
		m.Header.Set(hdrKind, "members")
		m.Data = data
	case server.EventSignal:
		m.Header.Set(hdrKind, "signal")
		m.Header.Set(hdrTo, string(ev.To))
		if ev.Read != 0 {
			m.Header.Set(hdrRead, strconv.FormatInt(ev.Read, 10))
		}
		m.Data = ev.Frame
	default:
		return fmt.Errorf("publish: unknown event kind %d", ev.Kind)
	}
	if err := n.nc.PublishMsg(m); err != nil {
		return fmt.Errorf("publish to node %s: %w", node, err)
	}
	return nil
}

// onEvent decodes an event for this node and hands it to the handler (on
// the subscription's goroutine: in the order the sender published).
func (n *Node) onEvent(m *nats.Msg) {
	ev := server.Event{Room: server.RoomKey(m.Header.Get(hdrRoom))}
	switch m.Header.Get(hdrKind) {
	case "members":
		if err := json.Unmarshal(m.Data, &ev.Membership); err != nil {
			n.cfg.Logger.Warn("cluster event not decodable", "err", err)
			return
		}
		ev.Kind = server.EventMembers
	case "signal":
		ev.Kind = server.EventSignal
		ev.To = protocol.ParticipantID(m.Header.Get(hdrTo))
		ev.Frame = m.Data
		ev.Read, _ = strconv.ParseInt(m.Header.Get(hdrRead), 10, 64) // 0 when absent
	default:
		return
	}
	n.mu.Lock()
	h := n.handler
	n.mu.Unlock()
	if h != nil {
		h.Deliver(ev)
	}
	if ev.Kind == server.EventMembers {
		n.watch(ev.Membership.Members) // after the view has them
	}
}

// heartbeats publishes this node's heartbeat and reports nodes whose
// heartbeats stopped, until Close.
func (n *Node) heartbeats() {
	defer close(n.done)
	t := time.NewTicker(n.cfg.Heartbeat)
	defer t.Stop()
	for {
		_ = n.nc.Publish(n.subject("hb"), []byte(n.id))
		select {
		case <-n.stop:
			return
		case now := <-t.C:
			n.reapDead(now)
		}
	}
}

// peer is what a node knows of another: when it last heard its heartbeat,
// or, for a node only named as a room's member so far, when this node began
// to listen (it could have been heard since then).
type peer struct {
	last  time.Time
	heard bool
}

func (n *Node) onHeartbeat(m *nats.Msg) {
	node := string(m.Data)
	if node == n.id {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.seen[node].heard {
		n.cfg.Logger.Info("cluster node up", "node", node)
	}
	n.seen[node] = peer{last: time.Now(), heard: true}
}

// watch makes the nodes of members that this node has no record of (never
// heard, or reported down already) count as silent since it began to listen,
// so that they are reported down unless heard within DeadAfter of that. The
// server keeps a view of every room it hands out a membership of, and learns
// of a node's end only through NodeDown: a member's node that was never
// heard (its first heartbeats came before this node's interest reached it,
// and it died right after) would otherwise stay in the views for good.
//
// A node is reported no sooner than one Heartbeat after it is named: the
// server puts the membership into its view after this call, and NodeDown
// evicts only from the views.
func (n *Node) watch(members []server.Member) {
	n.mu.Lock()
	defer n.mu.Unlock()
	floor := time.Now().Add(n.cfg.Heartbeat - n.cfg.DeadAfter)
	for _, m := range members {
		if m.Node == n.id || m.Node == "" {
			continue
		}
		if _, known := n.seen[m.Node]; !known {
			n.seen[m.Node] = peer{last: later(n.started, floor)}
		}
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// reapDead reports the nodes silent for DeadAfter as down, once each (until
// heard or named in a room again).
func (n *Node) reapDead(now time.Time) {
	n.mu.Lock()
	var dead []string
	var heard []bool
	for node, p := range n.seen {
		if now.Sub(p.last) >= n.cfg.DeadAfter {
			dead = append(dead, node)
			heard = append(heard, p.heard)
			delete(n.seen, node)
		}
	}
	h := n.handler
	n.mu.Unlock()
	for i, node := range dead {
		n.cfg.Logger.Warn("cluster node down", "node", node, "silent_for", n.cfg.DeadAfter, "ever_heard", heard[i])
		if h != nil {
			h.NodeDown(node)
		}
	}
}

// alive reports whether node is this one or has sent a heartbeat lately. A
// node not heard of counts as alive only while this one has not listened
// for DeadAfter yet (it may simply not have been heard so far).
func (n *Node) alive(node string) bool {
	if node == n.id {
		return true
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if p, ok := n.seen[node]; ok && p.heard {
		return time.Since(p.last) < n.cfg.DeadAfter
	}
	return time.Since(n.started) < n.cfg.DeadAfter
}
