package server_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"echtzeit/signaling/client"
	"echtzeit/signaling/protocol"
	"echtzeit/signaling/server"
)

// A plain (ws://) server on a loopback port, two participants in one room: the
// first one hears Room/Join and the second one's signal.
func ExampleServer() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, err := server.New(server.Config{}, nil) // defaults, no TLS, no UI
	if err != nil {
		fmt.Println(err)
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	defer func() { _ = srv.Close(); <-served }()

	url := "ws://" + ln.Addr().String() + "/ws"
	room := protocol.NewRoomID()
	camera, err := client.Dial(ctx, url)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer camera.Close()
	viewer, err := client.Dial(ctx, url)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer viewer.Close()

	joined, _ := camera.Join(ctx, room)
	fmt.Println("camera joined, peers:", len(joined.Peers))
	joined, _ = viewer.Join(ctx, room)
	fmt.Println("viewer joined, peers:", len(joined.Peers))
	m, _ := camera.Receive(ctx)
	fmt.Println("camera got", m.Type())
	_ = viewer.Signal(ctx, "", protocol.EndOfCandidatesPayload())
	m, _ = camera.Receive(ctx)
	fmt.Println("camera got", m.Type(), string(m.(protocol.RoomSignal).Signal))
	// Output:
	// camera joined, peers: 0
	// viewer joined, peers: 1
	// camera got Room/Join
	// camera got Room/Signal {"candidate":null}
}
