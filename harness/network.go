package harness

import "context"

// side says where a part of a media trial runs: with the sender or with the
// viewers. With an emulated network (SPEC §7) each side has its own access
// link to the core that holds the signaling server.
type side int

const (
	senderSide side = iota
	viewerSide
)

func (s side) String() string {
	if s == senderSide {
		return "sender"
	}
	return "viewer"
}

// network is what a media trial's parts run in. The trial sets it up before
// any part starts and tears it down after every part stopped, also after a
// failure. Parts start their processes and browsers through the trial
// (mediaTrial.startProcess, mediaTrial.browser), which asks the network
// where.
type network interface {
	// Name is the network as trials.jsonl records it.
	Name() string
	// Setup creates the network.
	Setup(ctx context.Context) error
	// Teardown removes what Setup created.
	Teardown() error
}

// hostNetwork runs every part in the harness's own network namespace with no
// emulated link: loopback (scripts/netns.sh), as the thesis's measurements.
type hostNetwork struct{}

func (hostNetwork) Name() string                { return "host" }
func (hostNetwork) Setup(context.Context) error { return nil }
func (hostNetwork) Teardown() error             { return nil }
