package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
)

// maxCAS bounds the compare-and-set attempts of one change: each lost
// attempt means another change of the same room won.
const maxCAS = 64

// entry is a room's value in the bucket.
type entry struct {
	Members []server.Member `json:"members"`
}

// Join implements server.Cluster.
func (n *Node) Join(ctx context.Context, room server.RoomKey, p protocol.ParticipantID, capacity int) (server.Membership, error) {
	return n.change(ctx, room, func(ms []server.Member) ([]server.Member, error) {
		if slices.ContainsFunc(ms, func(m server.Member) bool { return m.ID == p }) {
			return ms, nil
		}
		if len(ms) >= capacity {
			return ms, server.ErrRoomFull
		}
		return append(ms, server.Member{ID: p, Node: n.id}), nil
	})
}

// Leave implements server.Cluster.
func (n *Node) Leave(ctx context.Context, room server.RoomKey, node string, ids ...protocol.ParticipantID) (server.Membership, error) {
	return n.change(ctx, room, func(ms []server.Member) ([]server.Member, error) {
		return slices.DeleteFunc(ms, func(m server.Member) bool {
			return (node != "" && m.Node == node) || slices.Contains(ids, m.ID)
		}), nil
	})
}

// change applies f to a room's members by compare-and-set, retrying when
// another change of the room came first. Members of nodes that are down are
// dropped on the way. An unchanged list is not written; an empty one
// deletes the key.
func (n *Node) change(ctx context.Context, room server.RoomKey, f func([]server.Member) ([]server.Member, error)) (server.Membership, error) {
	key := string(room)
	for attempt := 0; attempt < maxCAS; attempt++ {
		var e entry
		var rev uint64
		kve, err := n.kv.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return server.Membership{}, fmt.Errorf("read room: %w", err)
		default:
			if err := json.Unmarshal(kve.Value(), &e); err != nil {
				return server.Membership{}, fmt.Errorf("read room: %w", err)
			}
			rev = kve.Revision()
		}
		before := slices.Clone(e.Members)
		live := slices.DeleteFunc(e.Members, func(m server.Member) bool { return !n.alive(m.Node) })
		after, ferr := f(live)
		if ferr != nil && !slices.Equal(before, live) {
			// Refused (room full) on the live members: still write the
			// removal of the dead ones so the next join finds room.
			after = live
		} else if ferr != nil || slices.Equal(before, after) {
			return server.Membership{Members: after, Revision: rev}, ferr
		}
		newRev, err := n.write(ctx, key, after, rev)
		switch {
		case errors.Is(err, jetstream.ErrKeyExists), errors.Is(err, jetstream.ErrKeyRevisionMismatch):
			// Lost the race: another change of this room came first.
			time.Sleep(time.Duration(rand.Int64N(int64(2*time.Millisecond) * int64(attempt+1))))
			continue
		case err != nil:
			return server.Membership{}, fmt.Errorf("write room: %w", err)
		}
		return server.Membership{Members: after, Revision: newRev}, ferr
	}
	return server.Membership{}, fmt.Errorf("write room: %d compare-and-set attempts lost", maxCAS)
}

// write stores members at key if its revision is still rev (0: the key does
// not exist or is deleted). An empty list deletes the key.
func (n *Node) write(ctx context.Context, key string, members []server.Member, rev uint64) (uint64, error) {
	if len(members) == 0 {
		if rev == 0 {
			return 0, nil
		}
		if err := n.kv.Delete(ctx, key, jetstream.LastRevision(rev)); err != nil {
			return 0, err
		}
		return 0, nil
	}
	data, err := json.Marshal(entry{Members: members})
	if err != nil {
		return 0, err
	}
	if rev == 0 {
		return n.kv.Create(ctx, key, data)
	}
	return n.kv.Update(ctx, key, data, rev)
}
