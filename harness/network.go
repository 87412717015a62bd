package harness

import (
	"context"
	"net/http"
	"time"

	"echtzeit/harness/browser"
	"echtzeit/harness/probe"
	"echtzeit/harness/results"
)

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
	// Name is the network as trials.jsonl records it ("" without one).
	Name() string
	// Setup creates the network.
	Setup(ctx context.Context) error
	// Teardown removes what Setup created.
	Teardown() error
	// Signaling returns the signaling server the trial's parts use.
	Signaling(ctx context.Context) (*endpoint, error)
	// Browser returns the Chromium of a side, its fake camera at fps (0:
	// any), and whether it is a Chromium of its own (not shared with the
	// other side), to be measured as a process of that side.
	Browser(ctx context.Context, s side, fps int) (br *browser.Browser, own bool, err error)
	// Prefix is the command prefix that starts a program on a side (nil:
	// as it is).
	Prefix(s side) []string
	// HTTPClient reads the /metrics of a part on a side.
	HTTPClient(s side) *http.Client
	// Loopback is true when the parts reach each other over loopback only
	// (the camera needs --ice-loopback, Chromium its loopback flag).
	Loopback() bool
	// AddProbes adds the network's own processes to measure.
	AddProbes(tr *probe.Tracker)
	// Check returns a *partError when a process of the network is gone.
	Check() error
	// FirstFrame tells the network that the first frame arrived: a held
	// link schedule starts now.
	FirstFrame() error
	// Sample returns the network's samples.csv rows for now (the links'
	// capacity), if it has any.
	Sample(trial int, trialStart, now time.Time, measuring bool) []results.Sample
}

// hostNetwork runs every part in the harness's own network namespace with no
// emulated link: loopback (scripts/netns.sh), as the thesis's measurements.
// Its signaling server and Chromium live across trials (runner).
type hostNetwork struct{ r *runner }

func (hostNetwork) Name() string                { return "" }
func (hostNetwork) Setup(context.Context) error { return nil }
func (hostNetwork) Teardown() error             { return nil }
func (n hostNetwork) Signaling(ctx context.Context) (*endpoint, error) {
	return n.r.ensureSignaling(ctx)
}
func (n hostNetwork) Browser(ctx context.Context, _ side, fps int) (*browser.Browser, bool, error) {
	br, err := n.r.ensureBrowser(ctx, fps)
	return br, false, err
}
func (hostNetwork) Prefix(side) []string                                    { return nil }
func (n hostNetwork) HTTPClient(side) *http.Client                          { return n.r.metricsHTTP }
func (hostNetwork) Loopback() bool                                          { return true }
func (hostNetwork) AddProbes(*probe.Tracker)                                {}
func (hostNetwork) Check() error                                            { return nil }
func (hostNetwork) FirstFrame() error                                       { return nil }
func (hostNetwork) Sample(int, time.Time, time.Time, bool) []results.Sample { return nil }
