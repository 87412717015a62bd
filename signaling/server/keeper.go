package server

import (
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"echtzeit/signaling/protocol"
)

// keeper is the one timer wheel behind every connection's keepalive ping, its
// pong deadline and its join deadline. Connections sit in slots; each tick
// visits one slot, so every connection is visited once per visit period
// (at most half the ping interval) and the pings of a slot go out together,
// which lets the runtime handle their pongs in one netpoll round instead of a
// wake-up per connection (DESIGN.md, "Connection memory and keepalive").
type keeper struct {
	s      *Server
	tick   time.Duration
	period time.Duration // visit period: tick × len(slots)
	slots  []keeperSlot
	next   int // round-robin slot for new connections; guarded by nextMu
	nextMu sync.Mutex

	stop chan struct{}
	done chan struct{}
}

type keeperSlot struct {
	mu    sync.Mutex
	conns map[*conn]struct{}
}

// newKeeper sizes the wheel: visits at most every half ping interval and a
// third of the join timeout, in ticks of about a second (or the visit period
// itself when that is shorter, as in tests).
func newKeeper(s *Server) *keeper {
	period := min(s.cfg.PingInterval/2, s.cfg.JoinTimeout/3, s.cfg.PongTimeout/4, s.cfg.WriteTimeout/2)
	period = max(period, time.Millisecond)
	n := max(1, min(64, int(period/time.Second)))
	k := &keeper{
		s: s, tick: period / time.Duration(n), period: period,
		slots: make([]keeperSlot, n),
		stop:  make(chan struct{}), done: make(chan struct{}),
	}
	for i := range k.slots {
		k.slots[i].conns = make(map[*conn]struct{})
	}
	return k
}

// add places c in the next slot round-robin.
func (k *keeper) add(c *conn) {
	k.nextMu.Lock()
	c.slot = k.next
	k.next = (k.next + 1) % len(k.slots)
	k.nextMu.Unlock()
	sl := &k.slots[c.slot]
	sl.mu.Lock()
	sl.conns[c] = struct{}{}
	sl.mu.Unlock()
}

func (k *keeper) remove(c *conn) {
	sl := &k.slots[c.slot]
	sl.mu.Lock()
	delete(sl.conns, c)
	sl.mu.Unlock()
}

// run visits one slot per tick until close.
func (k *keeper) run() {
	defer close(k.done)
	t := time.NewTicker(k.tick)
	defer t.Stop()
	i := 0
	for {
		select {
		case <-k.stop:
			return
		case now := <-t.C:
			k.visit(&k.slots[i], now.UnixNano())
			i = (i + 1) % len(k.slots)
		}
	}
}

func (k *keeper) close() {
	close(k.stop)
	<-k.done
}

// visit checks the connections of one slot: drops those silent longer than
// PongTimeout, closes those outside a room longer than JoinTimeout, and pings
// those silent for about a ping interval.
func (k *keeper) visit(sl *keeperSlot, now int64) {
	cfg := &k.s.cfg
	pingAfter := int64(cfg.PingInterval - k.period/2)
	closeWait := int64(cfg.CloseGrace + cfg.WriteTimeout)
	var ping, dead, stuck, unjoined, quiet []*conn
	sl.mu.Lock()
	for c := range sl.conns {
		silent := now - c.lastSeen.Load()
		ws, cs := c.writeSince.Load(), c.closeSince.Load()
		switch {
		case ws != 0 && now-ws >= int64(cfg.WriteTimeout), cs != 0 && now-cs >= closeWait:
			stuck = append(stuck, c)
		case silent >= int64(cfg.PongTimeout):
			dead = append(dead, c)
		case joinExpired(c, now, cfg.JoinTimeout):
			unjoined = append(unjoined, c)
		case silent >= pingAfter:
			ping = append(ping, c)
		case silent >= int64(k.period):
			quiet = append(quiet, c)
		}
	}
	sl.mu.Unlock()
	for _, c := range stuck {
		c.kill(reasonWrite, "a write or the closing handshake took longer than "+cfg.WriteTimeout.String())
	}
	for _, c := range dead {
		c.kill(reasonTimeout, "no pong or message for "+cfg.PongTimeout.String())
	}
	for _, c := range unjoined {
		k.s.closeUnjoined(c)
	}
	for _, c := range ping {
		k.s.ping(c)
	}
	for _, c := range quiet {
		k.s.nudge(c)
	}
}

// ping sends c a keepalive ping, written by the keeper itself unless a
// writer holds the slot (kick): no goroutine, no deadline timer.
func (s *Server) ping(c *conn) {
	// A full queue means the writer is stuck already: the keeper's write
	// check or the pong deadline ends that connection.
	if s.enqueue(c, outgoing{frame: pingFrame}) {
		s.kick(c)
	}
}

func joinExpired(c *conn, now int64, timeout time.Duration) bool {
	since := c.unjoinedSince.Load()
	return since != 0 && now-since >= int64(timeout)
}

// closeUnjoined ends a connection that stayed outside a room for JoinTimeout.
func (s *Server) closeUnjoined(c *conn) {
	text := "no JoinOrCreate within " + s.cfg.JoinTimeout.String()
	c.setReason(reasonJoinTimeout, text)
	// The reader ends when the peer answers the close frame; the keeper kills
	// a peer that does not (closeSince).
	s.requestClose(c, websocket.ClosePolicyViolation, text, s.errorMessage(protocol.CodeJoinTimeout, text))
}
