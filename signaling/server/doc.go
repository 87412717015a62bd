// Package server is the echtzeit signaling server (SPEC §2, thesis §4.4): it
// accepts WebSocket connections on /ws, greets each with Hello and a fresh
// participant ID, keeps rooms of a fixed capacity (default 2) and relays the
// opaque Signal messages between the participants of a room.
//
// A connection costs about 20 KB while idle (DESIGN.md, "Signaling at
// scale"): the HTTP handler returns after the upgrade; one reader goroutine
// waits for the socket to become readable on a small stack; frames are
// written by the goroutine that produced them without waiting on the socket,
// and only a peer whose socket is full gets a writer goroutine and a backlog
// (bounded: a peer over it is dropped as too slow). One keeper, a timer wheel
// shared by all connections, sends the keepalive pings and enforces the pong,
// write and join deadlines; the kernel's TCP keepalive finds dead peers.
// Room state lives behind one mutex that is never held across network I/O; a
// dropped peer's room is told Room/Leave. With Config.Cluster the rooms are
// shared with the other nodes of a cluster (package cluster).
//
// A peer that breaks the protocol (SPEC §2 list) receives
// Error{code:"protocol-violation"} and a close frame with code 1008; on shutdown
// every peer receives close code 1001.
//
// Besides /ws the handler serves /healthz, /metrics (Prometheus, on the server's
// own registry) and, at /, the browser interface given in Config.UI.
package server
