package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
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
// deletes the key. The nodes of the members returned are watched: the
// caller keeps them in its view until NodeDown.
func (n *Node) change(ctx context.Context, room server.RoomKey, f func([]server.Member) ([]server.Member, error)) (server.Membership, error) {
	m, err := n.cas(ctx, room, f)
	n.watch(m.Members)
	return m, err
}

func (n *Node) cas(ctx context.Context, room server.RoomKey, f func([]server.Member) ([]server.Member, error)) (server.Membership, error) {
	key := string(room)
	for attempt := 0; attempt < maxCAS; {
		var e entry
		var rev uint64
		kve, err := n.kvGet(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case transient(ctx, err):
			if err := pause(ctx, err); err != nil {
				return server.Membership{}, fmt.Errorf("read room: %w", err)
			}
			continue
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
			attempt++
			time.Sleep(time.Duration(rand.Int64N(int64(2*time.Millisecond) * int64(attempt))))
			continue
		case transient(ctx, err):
			// Perhaps written all the same: the next round reads it, and
			// f (idempotent) then changes nothing.
			if err := pause(ctx, err); err != nil {
				return server.Membership{}, fmt.Errorf("write room: %w", err)
			}
			continue
		case err != nil:
			return server.Membership{}, fmt.Errorf("write room: %w", err)
		}
		return server.Membership{Members: after, Revision: newRev}, ferr
	}
	return server.Membership{}, fmt.Errorf("write room: %d compare-and-set attempts lost", maxCAS)
}

// opAttempt bounds one request to the room bucket. A request that reaches
// no stream leader (the leader died and the others have not noticed yet)
// is dropped unanswered: it is sent again after this rather than waiting
// for the caller's whole deadline, so that a change lands as soon as
// JetStream has elected the next leader.
const opAttempt = 2 * time.Second

func (n *Node) kvGet(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	ctx, cancel := context.WithTimeout(ctx, opAttempt)
	defer cancel()
	return n.kv.Get(ctx, key)
}

// transient reports whether err of a request to the bucket is worth
// sending again while ctx lasts: unanswered within opAttempt, no
// responders, or JetStream without a leader (503) for now.
func transient(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var apiErr *jetstream.APIError
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		(errors.As(err, &apiErr) && apiErr.Code == 503)
}

// pause waits a little before a request is sent again; it returns err if
// ctx ends first.
func pause(ctx context.Context, err error) error {
	select {
	case <-ctx.Done():
		return err
	case <-time.After(100*time.Millisecond + time.Duration(rand.Int64N(int64(150*time.Millisecond)))):
		return nil
	}
}

// write stores members at key if its revision is still rev (0: the key does
// not exist or is deleted). An empty list deletes the key.
func (n *Node) write(ctx context.Context, key string, members []server.Member, rev uint64) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, opAttempt)
	defer cancel()
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
