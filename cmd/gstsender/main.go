// Command gstsender runs the thesis's own camera for comparison: a GStreamer
// webrtcbin sender (vp8enc deadline=1, or x264enc / openh264enc) that speaks the
// echtzeit signaling protocol with the camera's roles. It runs until SIGINT or
// SIGTERM and never exits because of a network fault.
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
		fmt.Fprintln(os.Stderr, "gstsender:", err)
		os.Exit(1)
	}
}
