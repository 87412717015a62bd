package server_test

import (
	"testing"

	"echtzeit/signaling/signalingtest"
)

// TestConformance runs the protocol checks shared with the cluster's nodes
// (signalingtest.RunConformance) against one server.
func TestConformance(t *testing.T) {
	checkGoroutines(t)
	srv := signalingtest.Start(t)
	signalingtest.RunConformance(t, signalingtest.TargetOf(srv))
}
