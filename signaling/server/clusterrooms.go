package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"echtzeit/signaling/protocol"
)

// clusterOpTimeout bounds one room directory operation of the cluster.
const clusterOpTimeout = 10 * time.Second

// clusterRooms is the directory of a node of a cluster. The cluster's room
// directory holds who is in which room (changed by compare-and-set, so
// capacity holds cluster-wide); every node keeps a view of the rooms its own
// participants are in, updated from the memberships its joins and leaves
// return and from the other nodes' events, newest revision first, and turns
// each change into Room/Join and Room/Leave for its participants. Signals
// between participants of one node stay on it; others cross as events to the
// receiver's node, which writes the frame as it came.
type clusterRooms struct {
	s  *Server
	cl Cluster

	mu    sync.Mutex
	views map[RoomKey]*roomView
	local map[protocol.ParticipantID]*conn // this node's participants in rooms
}

// roomView is a room as this node knows it.
type roomView struct {
	key     RoomKey
	id      protocol.RoomID
	tag     string
	rev     uint64
	members []Member
	local   []*conn
}

func newClusterRooms(s *Server, cl Cluster) (*clusterRooms, error) {
	d := &clusterRooms{s: s, cl: cl, views: make(map[RoomKey]*roomView), local: make(map[protocol.ParticipantID]*conn)}
	if err := cl.Attach(d); err != nil {
		return nil, fmt.Errorf("attach to the cluster: %w", err)
	}
	return d, nil
}

func (d *clusterRooms) close() error { return nil }

func (d *clusterRooms) join(c *conn, id protocol.RoomID) string {
	s := d.s
	d.mu.Lock()
	inRoom := c.view != nil
	d.mu.Unlock()
	if inRoom {
		return "JoinOrCreate while in a room: send Leave first"
	}
	key := KeyOf(id)
	ctx, cancel := context.WithTimeout(context.Background(), clusterOpTimeout)
	m, err := d.cl.Join(ctx, key, c.id, s.cfg.RoomCapacity)
	cancel()
	var vs victims
	defer vs.kill(s)
	switch {
	case errors.Is(err, ErrRoomFull):
		vs.send(s, c, s.errorMessage(protocol.CodeRoomFull, fmt.Sprintf("the room is full (%d participants)", s.cfg.RoomCapacity)))
		return ""
	case err != nil:
		s.log.Warn("cluster join failed", "conn", c.tag, "err", err)
		vs.send(s, c, s.errorMessage(protocol.CodeUnavailable, "the room directory did not answer; try again"))
		return ""
	}
	peers := make([]protocol.ParticipantID, 0, len(m.Members))
	for _, mb := range m.Members {
		if mb.ID != c.id {
			peers = append(peers, mb.ID)
		}
	}
	joined, err := s.encode(protocol.Joined{Room: id, Peers: peers})
	if err != nil {
		return "" // unreachable: the IDs were validated
	}
	d.mu.Lock()
	v := d.views[key]
	if v == nil {
		v = &roomView{key: key, id: id, tag: s.tags.room(id)}
		d.views[key] = v
		s.metrics.rooms.Inc()
	}
	v.local = append(v.local, c)
	c.view = v
	d.local[c.id] = c
	c.unjoinedSince.Store(0)
	// Joined first, under the lock: nothing of the room overtakes it.
	vs.send(s, c, joined)
	d.applyLocked(v, m, c, &vs)
	d.mu.Unlock()
	s.log.Debug("joined room", "conn", c.tag, "room", v.tag, "peers", len(peers))
	d.announce(m, Event{Kind: EventMembers, Room: key, Membership: m})
	return ""
}

func (d *clusterRooms) signal(c *conn, m protocol.Signal, read int64) string {
	s := d.s
	out, err := s.encodeSignal(c.id, m.Signal)
	if err != nil {
		return fmt.Sprintf("Signal: %v", err)
	}
	out.relayStart = read
	var vs victims
	defer vs.kill(s)
	var remote []Member
	d.mu.Lock()
	v := c.view
	if v == nil {
		d.mu.Unlock()
		return "Signal before Joined"
	}
	found := false
	for _, mb := range v.members {
		if mb.ID == c.id || (m.To != "" && mb.ID != m.To) {
			continue
		}
		found = true
		if p := d.local[mb.ID]; p != nil && p.view == v {
			vs.send(s, p, out)
		} else if mb.Node != d.cl.NodeID() {
			remote = append(remote, mb)
		}
	}
	if m.To != "" && !found {
		vs.send(s, c, s.errorMessage(protocol.CodeUnknownPeer, "the participant is not in the room"))
	}
	key := v.key
	d.mu.Unlock()
	for _, mb := range remote {
		if err := d.cl.Publish(mb.Node, Event{Kind: EventSignal, Room: key, To: mb.ID, Frame: out.frame, Read: read}); err != nil {
			s.log.Warn("cluster signal not sent", "conn", c.tag, "err", err)
		}
	}
	return ""
}

func (d *clusterRooms) leave(c *conn) bool {
	s := d.s
	d.mu.Lock()
	v := c.view
	if v == nil {
		d.mu.Unlock()
		return false
	}
	c.view = nil
	delete(d.local, c.id)
	v.local = slices.DeleteFunc(v.local, func(p *conn) bool { return p == c })
	d.mu.Unlock()
	c.unjoinedSince.Store(time.Now().UnixNano())
	s.log.Debug("left room", "conn", c.tag, "room", v.tag)

	ctx, cancel := context.WithTimeout(context.Background(), clusterOpTimeout)
	m, err := d.cl.Leave(ctx, v.key, "", c.id)
	cancel()
	if err != nil {
		// The directory keeps c until its node's participants are evicted;
		// the others here hear of the leave at once.
		s.log.Warn("cluster leave failed", "conn", c.tag, "err", err)
		m = Membership{Members: slices.DeleteFunc(slices.Clone(v.members), func(mb Member) bool { return mb.ID == c.id }), Revision: v.rev}
		m.Revision++ // local only: applied here, not announced
	}
	var vs victims
	d.mu.Lock()
	d.applyLocked(v, m, nil, &vs)
	d.dropIfUnusedLocked(v)
	d.mu.Unlock()
	vs.kill(s)
	if err == nil {
		d.announce(m, Event{Kind: EventMembers, Room: v.key, Membership: m})
	}
	return true
}

// dropIfUnusedLocked forgets a view without local participants.
func (d *clusterRooms) dropIfUnusedLocked(v *roomView) {
	if len(v.local) == 0 && d.views[v.key] == v {
		delete(d.views, v.key)
		d.s.metrics.rooms.Dec()
	}
}

// applyLocked moves v to membership m if m is newer, telling the local
// participants (but skip, which learnt the members from Joined) Room/Leave
// for those who left and Room/Join for those who came.
func (d *clusterRooms) applyLocked(v *roomView, m Membership, skip *conn, vs *victims) {
	if m.Revision != 0 && m.Revision <= v.rev {
		return // an older change arriving late
	}
	s := d.s
	had := func(ms []Member, id protocol.ParticipantID) bool {
		return slices.ContainsFunc(ms, func(mb Member) bool { return mb.ID == id })
	}
	for _, old := range v.members {
		if had(m.Members, old.ID) {
			continue
		}
		rl, err := s.encode(protocol.RoomLeave{ID: old.ID})
		if err != nil {
			continue
		}
		for _, p := range v.local {
			if p != skip && p.id != old.ID {
				vs.send(s, p, rl)
			}
		}
	}
	now := time.Now().UnixNano()
	for _, mb := range m.Members {
		if had(v.members, mb.ID) {
			continue
		}
		rj, err := s.encode(protocol.RoomJoin{ID: mb.ID})
		if err != nil {
			continue
		}
		for _, p := range v.local {
			if p != skip && p.id != mb.ID {
				s.limits.grant(&p.limits, now)
				vs.send(s, p, rj)
			}
		}
	}
	v.members = slices.Clone(m.Members)
	if m.Revision != 0 {
		v.rev = m.Revision
	}
}

// announce sends ev to every other node with members in m.
func (d *clusterRooms) announce(m Membership, ev Event) {
	self := d.cl.NodeID()
	sent := map[string]bool{self: true}
	for _, mb := range m.Members {
		if sent[mb.Node] {
			continue
		}
		sent[mb.Node] = true
		if err := d.cl.Publish(mb.Node, ev); err != nil {
			d.s.log.Warn("cluster event not sent", "err", err)
		}
	}
}

// Deliver implements ClusterHandler: another node's event.
func (d *clusterRooms) Deliver(ev Event) {
	s := d.s
	var vs victims
	d.mu.Lock()
	switch ev.Kind {
	case EventMembers:
		if v := d.views[ev.Room]; v != nil {
			d.applyLocked(v, ev.Membership, nil, &vs)
		}
	case EventSignal:
		if p := d.local[ev.To]; p != nil && p.view != nil && p.view.key == ev.Room {
			vs.send(s, p, outgoing{frame: ev.Frame, typ: protocol.TypeRoomSignal, relayStart: ev.Read})
		}
	}
	d.mu.Unlock()
	vs.kill(s)
}

// NodeDown implements ClusterHandler: the members of node left every room
// this node has a view of. The directory is updated (one node's removal
// wins, the others find nothing left to remove) and each node tells its own
// participants.
func (d *clusterRooms) NodeDown(node string) {
	d.mu.Lock()
	var keys []RoomKey
	for key, v := range d.views {
		if slices.ContainsFunc(v.members, func(mb Member) bool { return mb.Node == node }) {
			keys = append(keys, key)
		}
	}
	d.mu.Unlock()
	d.s.log.Warn("cluster node down", "node", node, "rooms", len(keys))
	go d.evict(node, keys)
}

// evict removes node's members from the rooms keys. The local peers hear
// Room/Leave at once, from this node's views: the directory's write may wait
// for JetStream to elect a new leader when the dead node led the bucket's
// stream (seen: over 30 s on a busy machine). That change carries no
// revision, so the directory's own change, when it comes, still applies
// (with the same members: nothing more is sent).
func (d *clusterRooms) evict(node string, keys []RoomKey) {
	s := d.s
	var vs victims
	d.mu.Lock()
	for _, key := range keys {
		if v := d.views[key]; v != nil {
			gone := slices.DeleteFunc(slices.Clone(v.members), func(mb Member) bool { return mb.Node == node })
			d.applyLocked(v, Membership{Members: gone}, nil, &vs)
		}
	}
	d.mu.Unlock()
	vs.kill(s)
	for _, key := range keys {
		ctx, cancel := context.WithTimeout(context.Background(), clusterOpTimeout)
		m, err := d.cl.Leave(ctx, key, node)
		cancel()
		if err != nil {
			s.log.Warn("cluster eviction failed", "node", node, "err", err)
			continue
		}
		var vs victims
		d.mu.Lock()
		if v := d.views[key]; v != nil {
			d.applyLocked(v, m, nil, &vs)
		}
		d.mu.Unlock()
		vs.kill(s)
		d.announce(m, Event{Kind: EventMembers, Room: key, Membership: m})
	}
}
