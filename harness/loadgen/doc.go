// Package loadgen is the signaling load generator behind `harness loadgen`: N
// real WebSocket clients (signaling/client, TLS included) in N/2 rooms of two,
// run in a process of their own so that their CPU is never the server's and
// they can run on another machine than the server.
//
// Three modes (Mode): idle connections that only answer the server's
// keepalive pings (a camera fleet), steady signalling at a fixed rate per
// participant (the thesis's load), and a session model in which each pair
// exchanges a real offer and answer captured from Chromium
// (chromium-session.json) and ten trickled candidates per side (the recorded
// ones and some derived from them, Chromium's sizes) and then stays idle.
//
// A run is a sequence of phases (connect, settle, idle | steady | setup and
// idle); at each boundary the generator reads its own CPU and, when given an
// Observer, the server's CPU and RSS (from /proc for a local server, from
// /metrics for a remote one), so the figures of each phase are the server's
// alone. Connections are spread over several source addresses (on loopback any
// of 127.0.0.0/8) so the client side's ephemeral ports do not bind first, and
// over several server URLs (the nodes of a cluster), the two members of a room
// on different nodes.
package loadgen
