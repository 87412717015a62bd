// Command camera runs the echtzeit camera (SPEC §3, thesis §4.6): it joins its room
// on the signaling server and streams video over WebRTC to each viewer that joins,
// from a synthetic test pattern, a V4L2 camera, the Raspberry Pi camera (rpicam-vid,
// H.264 pass-through) or a clip. It runs until SIGINT or SIGTERM and never exits
// because of a network fault.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "camera:", err)
		os.Exit(1)
	}
}
