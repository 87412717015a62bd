// Package client is a typed WebSocket client for the echtzeit signaling server
// (SPEC §2). The camera, the harness and the tests use it:
//
//	c, err := client.Dial(ctx, "wss://127.0.0.1:8443/ws", client.WithFingerprint(fp))
//	joined, err := c.Join(ctx, room)
//	msg, err := c.Receive(ctx) // protocol.RoomJoin, protocol.RoomSignal, ...
//
// Messages are sent as binary frames. Dial returns after the server's Hello, so
// ID is known at once. One goroutine owned by the Client reads the connection;
// Close stops it and waits.
package client
