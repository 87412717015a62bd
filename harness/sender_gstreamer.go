package harness

import (
	"context"

	"echtzeit/harness/results"
)

// newGStreamerSender returns bin/gstsender, the thesis's webrtcbin sender
// (camera/gstreamer). Its flags mirror the camera's (signaling, room, source,
// size, rate, codec, bitrate, metrics address, ICE loopback) and its /metrics
// have the camera's names, so it runs like the camera.
func newGStreamerSender(*mediaTrial) Sender {
	return &cameraSender{bin: "gstsender", process: results.ProcessGStreamer, extraArgs: noArgs}
}

func noArgs(context.Context, *mediaTrial) ([]string, error) { return nil, nil }
