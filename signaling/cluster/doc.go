// Package cluster lets several signaling processes (cmd/signaling
// --cluster-listen/--cluster-routes, or --nats) serve as one service over NATS.
// Each node embeds a nats-server (routes between the nodes, JetStream for the
// room directory) or joins an existing NATS deployment, and implements
// server.Cluster:
//
//   - the room directory is a JetStream key-value bucket (in memory,
//     replicated on up to three nodes): one key per room (the SHA-256 of its
//     ID, never the ID), the members with their nodes as the value, changed
//     only by compare-and-set on the key's revision, so two joins racing for
//     the last place of a room on two nodes cannot both win;
//   - events (a room's new membership, a signal for a participant) go to the
//     node's subject echtzeit.<cluster>.node.<node>, in order per sender;
//   - every node publishes a heartbeat each Config.Heartbeat; a node silent
//     for Config.DeadAfter is down, and the others remove its participants
//     from their rooms (Room/Leave to the peers), well within the keepalive
//     deadline of a single server. A node named as a room's member but never
//     heard counts as silent since this node began to listen.
//
// Why a key-value bucket with compare-and-set rather than room ownership by
// rendezvous hashing over live nodes: with hashing, two nodes that disagree
// for a moment about which nodes are alive (a node starting, a heartbeat
// late) both believe they own a room and both admit a participant; the
// capacity then holds only most of the time. The bucket's revision check is
// linearised by JetStream's Raft group, so it holds always, at the price of
// one replicated write per join or leave (a few milliseconds) — joins are
// rare next to signals, which never touch the bucket.
package cluster
