package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"echtzeit/signaling/protocol"
)

// ErrRoomFull is returned by Cluster.Join when the room holds its capacity.
var ErrRoomFull = errors.New("room is full")

// Member is a participant of a room shared by a cluster, and the node whose
// connection it is.
type Member struct {
	ID   protocol.ParticipantID `json:"id"`
	Node string                 `json:"node"`
}

// Membership is a room's members in joining order at a revision of the
// cluster's room directory. Revisions of one room only grow; an empty room
// may carry revision 0.
type Membership struct {
	Members  []Member `json:"members"`
	Revision uint64   `json:"revision"`
}

// RoomKey names a room in the cluster: the SHA-256 of its ID in hex. The
// room ID itself (the key to a camera) never leaves the nodes its members are
// connected to.
type RoomKey string

// KeyOf returns the cluster key of a room.
func KeyOf(id protocol.RoomID) RoomKey {
	sum := sha256.Sum256([]byte("echtzeit room " + id))
	return RoomKey(hex.EncodeToString(sum[:]))
}

// EventKind tells what an Event carries.
type EventKind int

// Event kinds.
const (
	EventUnknown EventKind = iota
	// EventMembers: a room's Membership after a join or leave elsewhere.
	EventMembers
	// EventSignal: a Room/Signal frame for one participant of this node.
	EventSignal
)

// Event is what one node sends another about a room.
type Event struct {
	Kind       EventKind
	Room       RoomKey
	Membership Membership             // EventMembers
	To         protocol.ParticipantID // EventSignal
	Frame      []byte                 // EventSignal: the WebSocket frame to write
	// Read is when the sending node read the Signal (EventSignal, Unix ns;
	// 0 when unknown): the receiving node's relay latency histogram then
	// spans both nodes and the bus, by the two nodes' clocks.
	Read int64
}

// ClusterHandler receives what other nodes send this one. Its methods must
// not block.
type ClusterHandler interface {
	Deliver(Event)
	// NodeDown tells that node stopped (no heartbeat): its participants are
	// gone.
	NodeDown(node string)
}

// Cluster is the service several signaling processes share rooms over
// (package cluster implements it with NATS). Join and Leave change the
// cluster-wide room directory atomically (compare-and-set), so a room's
// capacity holds whichever node its participants connect to.
type Cluster interface {
	// NodeID names this node.
	NodeID() string
	// Join adds participant p of this node to room unless the room already
	// holds capacity members (then ErrRoomFull and the membership). Members
	// of nodes that are down do not count and are removed.
	Join(ctx context.Context, room RoomKey, p protocol.ParticipantID, capacity int) (Membership, error)
	// Leave removes the given participants, and the members of node when it
	// is not empty.
	Leave(ctx context.Context, room RoomKey, node string, ids ...protocol.ParticipantID) (Membership, error)
	// Publish sends ev to node.
	Publish(node string, ev Event) error
	// Attach starts delivering events and node failures to h.
	Attach(h ClusterHandler) error
}
