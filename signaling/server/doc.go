// Package server is the echtzeit signaling server (SPEC §2, thesis §4.4): it
// accepts WebSocket connections on /ws, greets each with Hello and a fresh
// participant ID, keeps rooms of a fixed capacity (default 2) and relays the
// opaque Signal messages between the participants of a room.
//
// Every connection has two goroutines owned by its HTTP handler: the handler
// itself reads, a writer drains a bounded send queue and sends keepalive pings.
// Room state lives behind one mutex that is never held across network I/O:
// messages are put on the receivers' queues without blocking, and a receiver
// whose queue is full, whose writes miss the write deadline or who stops
// answering pings is dropped, its room told Room/Leave.
//
// A peer that breaks the protocol (SPEC §2 list) receives
// Error{code:"protocol-violation"} and a close frame with code 1008; on shutdown
// every peer receives close code 1001.
//
// Besides /ws the handler serves /healthz, /metrics (Prometheus, on the server's
// own registry) and, at /, the browser interface given in Config.UI.
package server
