package cluster

import (
	"encoding/json"
	"fmt"
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
	default:
		return
	}
	n.mu.Lock()
	h := n.handler
	n.mu.Unlock()
	if h != nil {
		h.Deliver(ev)
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

func (n *Node) onHeartbeat(m *nats.Msg) {
	node := string(m.Data)
	if node == n.id {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, known := n.seen[node]; !known {
		n.cfg.Logger.Info("cluster node up", "node", node)
	}
	n.seen[node] = time.Now()
}

// reapDead reports the nodes silent for DeadAfter as down, once each.
func (n *Node) reapDead(now time.Time) {
	n.mu.Lock()
	var dead []string
	for node, at := range n.seen {
		if now.Sub(at) >= n.cfg.DeadAfter {
			dead = append(dead, node)
			delete(n.seen, node)
		}
	}
	h := n.handler
	n.mu.Unlock()
	for _, node := range dead {
		n.cfg.Logger.Warn("cluster node down", "node", node, "silent_for", n.cfg.DeadAfter)
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
	if at, ok := n.seen[node]; ok {
		return time.Since(at) < n.cfg.DeadAfter
	}
	return time.Since(n.started) < n.cfg.DeadAfter
}
