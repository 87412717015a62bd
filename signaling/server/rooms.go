package server

import (
	"fmt"
	"slices"
	"time"

	"echtzeit/signaling/protocol"
)

// room is a set of participants in the order they joined (SPEC §2). It exists
// while it has members. Guarded by Server.roomsMu.
type room struct {
	id      protocol.RoomID
	members []*conn
}

// victims collects connections whose send queue overflowed while the rooms lock
// was held; they are killed after it is released.
type victims []*conn

func (v *victims) send(c *conn, m outgoing) {
	if !c.enqueue(m) {
		*v = append(*v, c)
	}
}

func (v victims) kill() {
	for _, c := range v {
		c.kill(reasonSlow, "send queue full")
	}
}

// join handles JoinOrCreate. It returns a violation text when the peer breaks
// the protocol, else "".
func (s *Server) join(c *conn, m protocol.JoinOrCreate) string {
	var vs victims
	defer func() { vs.kill() }()
	s.roomsMu.Lock()
	defer s.roomsMu.Unlock()
	if c.room != nil {
		return fmt.Sprintf("JoinOrCreate while in room %s: send Leave first", c.room.id)
	}
	r := s.rooms[m.Room]
	if r != nil && len(r.members) >= s.cfg.RoomCapacity {
		s.log.Debug("room full", "id", c.id, "room", r.id)
		vs.send(c, s.errorMessage(protocol.CodeRoomFull, fmt.Sprintf("room %s is full (%d participants)", m.Room, s.cfg.RoomCapacity)))
		return ""
	}
	if r == nil {
		r = &room{id: m.Room}
		s.rooms[m.Room] = r
		s.metrics.rooms.Inc()
	}
	peers := make([]protocol.ParticipantID, 0, len(r.members))
	for _, p := range r.members {
		peers = append(peers, p.id)
	}
	joined, err := s.encode(protocol.Joined{Room: r.id, Peers: peers})
	if err != nil {
		return "" // unreachable: the IDs were validated
	}
	rj, err := s.encode(protocol.RoomJoin{ID: c.id})
	if err != nil {
		return ""
	}
	r.members = append(r.members, c)
	c.room = r
	s.log.Debug("joined room", "id", c.id, "room", r.id, "peers", len(peers))
	// Under the lock so no Room/Signal of the room can overtake Joined.
	vs.send(c, joined)
	for _, p := range r.members[:len(r.members)-1] {
		vs.send(p, rj)
	}
	return ""
}

// signal relays a Signal; "" or a violation text.
func (s *Server) signal(c *conn, m protocol.Signal, read time.Time) string {
	out, err := s.encode(protocol.RoomSignal{From: c.id, Signal: m.Signal})
	if err != nil {
		return fmt.Sprintf("Signal: %v", err)
	}
	out.relayStart = read
	var vs victims
	defer func() { vs.kill() }()
	s.roomsMu.Lock()
	defer s.roomsMu.Unlock()
	r := c.room
	if r == nil {
		return "Signal before Joined"
	}
	if m.To != "" {
		i := slices.IndexFunc(r.members, func(p *conn) bool { return p.id == m.To && p != c })
		if i < 0 {
			vs.send(c, s.errorMessage(protocol.CodeUnknownPeer, fmt.Sprintf("participant %s is not in room %s", m.To, r.id)))
			return ""
		}
		vs.send(r.members[i], out)
		return ""
	}
	for _, p := range r.members {
		if p != c {
			vs.send(p, out)
		}
	}
	return ""
}

// leave removes c from its room and tells the others Room/Leave. It reports
// whether c was in a room.
func (s *Server) leave(c *conn) bool {
	var vs victims
	defer func() { vs.kill() }()
	s.roomsMu.Lock()
	defer s.roomsMu.Unlock()
	r := c.room
	if r == nil {
		return false
	}
	c.room = nil
	s.log.Debug("left room", "id", c.id, "room", r.id)
	r.members = slices.DeleteFunc(r.members, func(p *conn) bool { return p == c })
	if len(r.members) == 0 {
		delete(s.rooms, r.id)
		s.metrics.rooms.Dec()
		return true
	}
	rl, err := s.encode(protocol.RoomLeave{ID: c.id})
	if err != nil {
		return true
	}
	for _, p := range r.members {
		vs.send(p, rl)
	}
	return true
}
