package server

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"echtzeit/signaling/protocol"
)

// directory keeps the rooms: which participant is in which room, and who
// receives a room's messages. localRooms is the single process's directory;
// clusterRooms shares the rooms of several processes over NATS.
type directory interface {
	// join handles JoinOrCreate; it returns a violation text or "".
	join(c *conn, room protocol.RoomID) string
	// signal relays a Signal; it returns a violation text or "".
	signal(c *conn, m protocol.Signal, read int64) string
	// leave removes c from its room and tells the others Room/Leave; it
	// reports whether c was in a room.
	leave(c *conn) bool
	// close releases the directory's resources after every connection ended.
	close() error
}

// room is a set of participants in the order they joined (SPEC §2). It exists
// while it has members.
type room struct {
	id      protocol.RoomID
	tag     string
	members []*conn
}

// localRooms is the directory of one process. Room state lives behind one
// mutex that is never held across network I/O: messages are put on the
// receivers' queues without blocking.
type localRooms struct {
	s     *Server
	mu    sync.Mutex
	rooms map[protocol.RoomID]*room
}

func newLocalRooms(s *Server) *localRooms {
	return &localRooms{s: s, rooms: make(map[protocol.RoomID]*room)}
}

func (d *localRooms) close() error { return nil }

// victims collects, while the rooms lock is held, the connections that were
// queued a message (written after the lock is released, in the lock's
// order: kick) and those whose queue overflowed (killed then).
type victims struct {
	queued, full []*conn
}

func (v *victims) send(s *Server, c *conn, m outgoing) {
	if !s.enqueue(c, m) {
		v.full = append(v.full, c)
		return
	}
	v.queued = append(v.queued, c)
}

// kill writes the queued messages and drops the connections whose queue
// overflowed.
func (v *victims) kill(s *Server) {
	for _, c := range v.full {
		c.kill(reasonSlow, "send queue full")
	}
	for _, c := range v.queued {
		s.kick(c)
	}
}

func (d *localRooms) join(c *conn, id protocol.RoomID) string {
	s := d.s
	var vs victims
	defer vs.kill(s)
	d.mu.Lock()
	defer d.mu.Unlock()
	if c.room != nil {
		return "JoinOrCreate while in a room: send Leave first"
	}
	r := d.rooms[id]
	if r != nil && len(r.members) >= s.cfg.RoomCapacity {
		s.log.Debug("room full", "conn", c.tag, "room", r.tag)
		vs.send(s, c, s.errorMessage(protocol.CodeRoomFull, fmt.Sprintf("the room is full (%d participants)", s.cfg.RoomCapacity)))
		return ""
	}
	if r == nil {
		r = &room{id: id, tag: s.tags.room(id)}
		d.rooms[id] = r
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
	c.unjoinedSince.Store(0)
	s.log.Debug("joined room", "conn", c.tag, "room", r.tag, "peers", len(peers))
	// Under the lock so no Room/Signal of the room can overtake Joined.
	vs.send(s, c, joined)
	now := time.Now().UnixNano()
	for _, p := range r.members[:len(r.members)-1] {
		s.limits.grant(&p.limits, now)
		vs.send(s, p, rj)
	}
	return ""
}

func (d *localRooms) signal(c *conn, m protocol.Signal, read int64) string {
	s := d.s
	out, err := s.encodeSignal(c.id, m.Signal)
	if err != nil {
		return fmt.Sprintf("Signal: %v", err)
	}
	out.relayStart = read
	var vs victims
	defer vs.kill(s)
	d.mu.Lock()
	defer d.mu.Unlock()
	r := c.room
	if r == nil {
		return "Signal before Joined"
	}
	if m.To != "" {
		i := slices.IndexFunc(r.members, func(p *conn) bool { return p.id == m.To && p != c })
		if i < 0 {
			vs.send(s, c, s.errorMessage(protocol.CodeUnknownPeer, "the participant is not in the room"))
			return ""
		}
		vs.send(s, r.members[i], out)
		return ""
	}
	for _, p := range r.members {
		if p != c {
			vs.send(s, p, out)
		}
	}
	return ""
}

func (d *localRooms) leave(c *conn) bool {
	s := d.s
	var vs victims
	defer vs.kill(s)
	d.mu.Lock()
	defer d.mu.Unlock()
	r := c.room
	if r == nil {
		return false
	}
	c.room = nil
	c.unjoinedSince.Store(time.Now().UnixNano())
	s.log.Debug("left room", "conn", c.tag, "room", r.tag)
	r.members = slices.DeleteFunc(r.members, func(p *conn) bool { return p == c })
	if len(r.members) == 0 {
		delete(d.rooms, r.id)
		s.metrics.rooms.Dec()
		return true
	}
	rl, err := s.encode(protocol.RoomLeave{ID: c.id})
	if err != nil {
		return true
	}
	for _, p := range r.members {
		vs.send(s, p, rl)
	}
	return true
}
