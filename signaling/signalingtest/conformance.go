package signalingtest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
)

// Target is a signaling server, or one node of a cluster, that the
// conformance checks talk to.
type Target struct {
	WSURL   string
	Options []client.Option
}

// TargetOf returns the Target of a server started by Start.
func TargetOf(s *Server) Target {
	if s.TLSConfig == nil {
		return Target{WSURL: s.WSURL}
	}
	return Target{WSURL: s.WSURL, Options: []client.Option{client.WithTLSConfig(s.TLSConfig)}}
}

// RunConformance checks the protocol of SPEC §2 (room capacity 2) against
// the targets, one subtest per rule. The n-th participant of a check
// connects to targets[n % len(targets)], so with the nodes of a cluster the
// members of one room sit on different nodes.
func RunConformance(t *testing.T, targets ...Target) {
	t.Helper()
	if len(targets) == 0 {
		t.Fatal("RunConformance: no target")
	}
	for _, c := range conformanceChecks {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			n := 0
			dial := func(query ...string) *client.Client {
				t.Helper()
				tg := targets[n%len(targets)]
				n++
				u := tg.WSURL
				if len(query) > 0 {
					u += "?" + strings.Join(query, "&")
				}
				cl, err := client.Dial(ctx, u, tg.Options...)
				if err != nil {
					t.Fatalf("dial %s: %v", tg.WSURL, err)
				}
				t.Cleanup(func() { _ = cl.Close() })
				return cl
			}
			c.run(ctx, t, dial)
		})
	}
}

// dialFunc connects one participant; query is added to the URL (key=value).
type dialFunc = func(query ...string) *client.Client

type conformanceCheck struct {
	name string
	run  func(ctx context.Context, t *testing.T, dial dialFunc)
}

var conformanceChecks = []conformanceCheck{
	{"thesis flow", checkFlow},
	{"room full", checkRoomFull},
	{"signal to one participant", checkSignalTo},
	{"leave and join another room", checkLeave},
	{"violation closes with 1008", checkViolation},
	{"disconnect tells the room", checkDisconnect},
	{"join on connect", checkJoinOnConnect},
}

// next returns the next message of type M, failing on anything else.
func next[M protocol.Message](ctx context.Context, t *testing.T, c *client.Client) M {
	t.Helper()
	m, err := c.Receive(ctx)
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	got, ok := m.(M)
	if !ok {
		t.Fatalf("got %T %+v, want %T", m, m, *new(M))
	}
	return got
}

func mustJoin(ctx context.Context, t *testing.T, c *client.Client, room protocol.RoomID) protocol.Joined {
	t.Helper()
	j, err := c.Join(ctx, room)
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	return j
}

// joinFunc puts a fresh participant into room and returns it with its Joined.
type joinFunc = func(room protocol.RoomID) (*client.Client, protocol.Joined)

func checkFlow(ctx context.Context, t *testing.T, dial dialFunc) {
	checkPair(ctx, t, func(room protocol.RoomID) (*client.Client, protocol.Joined) {
		c := dial()
		return c, mustJoin(ctx, t, c, room)
	})
}

// checkJoinOnConnect: with ?room=ID the server joins right after Hello, with
// the same Joined, Room/Join, relaying and room-full as JoinOrCreate.
func checkJoinOnConnect(ctx context.Context, t *testing.T, dial dialFunc) {
	room := checkPair(ctx, t, func(room protocol.RoomID) (*client.Client, protocol.Joined) {
		c := dial("room=" + string(room))
		return c, next[protocol.Joined](ctx, t, c)
	})
	c := dial("room=" + string(room))
	if e := next[protocol.Error](ctx, t, c); e.Code != protocol.CodeRoomFull {
		t.Fatalf("third participant got %+v, want room-full", e)
	}
	mustJoin(ctx, t, c, protocol.NewRoomID()) // the connection stays usable
}

// checkPair is the thesis's flow for two participants that join one room
// with join: the second's Joined names the first, the first gets Room/Join,
// and an offer and an answer are relayed with from. It returns the room.
func checkPair(ctx context.Context, t *testing.T, join joinFunc) protocol.RoomID {
	room := protocol.NewRoomID()
	a, j := join(room)
	if j.Room != room || len(j.Peers) != 0 {
		t.Fatalf("first Joined %+v", j)
	}
	b, j := join(room)
	if j.Room != room || len(j.Peers) != 1 || j.Peers[0] != a.ID() {
		t.Fatalf("second Joined %+v, want peer %s", j, a.ID())
	}
	if rj := next[protocol.RoomJoin](ctx, t, a); rj.ID != b.ID() {
		t.Fatalf("Room/Join %s, want %s", rj.ID, b.ID())
	}
	for _, s := range []struct {
		from, to *client.Client
		signal   json.RawMessage
	}{
		{a, b, json.RawMessage(`{"sdp":{"type":"offer","sdp":"v=0\r\n"}}`)},
		{b, a, json.RawMessage(`{"sdp":{"type":"answer","sdp":"v=0\r\n"}}`)},
	} {
		if err := s.from.Signal(ctx, "", s.signal); err != nil {
			t.Fatal(err)
		}
		if rs := next[protocol.RoomSignal](ctx, t, s.to); rs.From != s.from.ID() || string(rs.Signal) != string(s.signal) {
			t.Fatalf("Room/Signal %+v", rs)
		}
	}
	return room
}

func checkRoomFull(ctx context.Context, t *testing.T, dial dialFunc) {
	room := protocol.NewRoomID()
	a, b, c := dial(), dial(), dial()
	mustJoin(ctx, t, a, room)
	mustJoin(ctx, t, b, room)
	_, err := c.Join(ctx, room)
	var em *client.ErrorMessage
	if !errors.As(err, &em) || em.Code != protocol.CodeRoomFull {
		t.Fatalf("third join: %v, want room-full", err)
	}
	mustJoin(ctx, t, c, protocol.NewRoomID()) // the connection stays usable
}

func checkSignalTo(ctx context.Context, t *testing.T, dial dialFunc) {
	room := protocol.NewRoomID()
	a, b := dial(), dial()
	mustJoin(ctx, t, a, room)
	mustJoin(ctx, t, b, room)
	next[protocol.RoomJoin](ctx, t, a)
	if err := a.Signal(ctx, b.ID(), json.RawMessage(`{"n":1}`)); err != nil {
		t.Fatal(err)
	}
	if rs := next[protocol.RoomSignal](ctx, t, b); rs.From != a.ID() {
		t.Fatalf("Room/Signal from %s", rs.From)
	}
	if err := a.Signal(ctx, protocol.NewParticipantID(), json.RawMessage(`{"n":2}`)); err != nil {
		t.Fatal(err)
	}
	if e := next[protocol.Error](ctx, t, a); e.Code != protocol.CodeUnknownPeer {
		t.Fatalf("Error %s, want unknown-peer", e.Code)
	}
}

func checkLeave(ctx context.Context, t *testing.T, dial dialFunc) {
	room := protocol.NewRoomID()
	a, b := dial(), dial()
	mustJoin(ctx, t, a, room)
	mustJoin(ctx, t, b, room)
	next[protocol.RoomJoin](ctx, t, a)
	if err := b.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if rl := next[protocol.RoomLeave](ctx, t, a); rl.ID != b.ID() {
		t.Fatalf("Room/Leave %s, want %s", rl.ID, b.ID())
	}
	mustJoin(ctx, t, b, protocol.NewRoomID())
	c := dial() // the place b left is free again
	mustJoin(ctx, t, c, room)
	if rj := next[protocol.RoomJoin](ctx, t, a); rj.ID != c.ID() {
		t.Fatalf("Room/Join %s, want %s", rj.ID, c.ID())
	}
}

func checkViolation(ctx context.Context, t *testing.T, dial dialFunc) {
	room := protocol.NewRoomID()
	a, b := dial(), dial()
	mustJoin(ctx, t, a, room)
	mustJoin(ctx, t, b, room)
	next[protocol.RoomJoin](ctx, t, a)
	if err := b.Send(ctx, protocol.JoinOrCreate{Room: protocol.NewRoomID()}); err != nil {
		t.Fatal(err)
	}
	if e := next[protocol.Error](ctx, t, b); e.Code != protocol.CodeProtocolViolation {
		t.Fatalf("Error %s, want protocol-violation", e.Code)
	}
	_, err := b.Receive(ctx)
	var ce *client.CloseError
	if !errors.As(err, &ce) || ce.Code != 1008 {
		t.Fatalf("after the violation: %v, want close code 1008", err)
	}
	if rl := next[protocol.RoomLeave](ctx, t, a); rl.ID != b.ID() {
		t.Fatalf("Room/Leave %s, want %s", rl.ID, b.ID())
	}
}

func checkDisconnect(ctx context.Context, t *testing.T, dial dialFunc) {
	room := protocol.NewRoomID()
	a, b := dial(), dial()
	mustJoin(ctx, t, a, room)
	mustJoin(ctx, t, b, room)
	next[protocol.RoomJoin](ctx, t, a)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if rl := next[protocol.RoomLeave](ctx, t, a); rl.ID != b.ID() {
		t.Fatalf("Room/Leave %s, want %s", rl.ID, b.ID())
	}
}
