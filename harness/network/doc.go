// Package network builds the emulated network of a trial (SPEC §7):
//
//	side "sender" ns ──access link──┐               ┌──access link── side "viewer" ns
//	  10.77.1.2                     │    core ns    │                  10.77.2.2
//	                      10.77.1.1 └─ 10.77.0.1 ───┘ 10.77.2.1
//	                                  (services: signaling; later TURN, NAT)
//
// Each side is a network namespace whose only way out is its access link to
// the core namespace, which routes between the sides and holds the services
// on 10.77.0.1 (an address on its loopback). A side's traffic to the
// services crosses its access link like its media does.
//
// An access link whose profile changes nothing (lan) is a veth pair: the
// kernel forwards it, as fast as it would on one machine. Any other access
// link is a pair of TUN devices, one at each end, joined by the forwarder
// process (package forwarder), which runs the link's model in user space:
// the kernel here has no sch_netem. The forwarder's process ID is there for
// CPU sampling.
//
// Nothing of the harness's own measuring crosses the access links: the
// harness reaches into a namespace with sockets made inside it (package
// netns: Dial, Listen, HTTPClient), and drives Chromium through the pipe
// chromedp opens to it, so there is no management interface that media
// could take.
//
// Names: every namespace is netns.Owner.Name("<trial>-<side>"), so a later
// harness removes what a killed one left (netns.Sweep); Close removes it all
// otherwise.
package network
