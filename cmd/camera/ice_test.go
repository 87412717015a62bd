package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestICEOptions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		o         iceOptions
		signaling string
		none, bad bool
	}{
		{"default: the signaling server's list", iceOptions{}, "wss://cam.example:8443/ws", false, false},
		{"relay-only from the signaling server", iceOptions{relayOnly: true}, "wss://cam.example:8443/ws", false, false},
		{"own list", iceOptions{servers: "https://turn.example/iceservers"}, "wss://cam.example:8443/ws", false, false},
		{"off", iceOptions{servers: "off"}, "wss://cam.example:8443/ws", true, false},
		{"off and relay-only", iceOptions{servers: "off", relayOnly: true}, "wss://cam.example:8443/ws", false, true},
		{"not http", iceOptions{servers: "stun:x"}, "wss://cam.example:8443/ws", false, true},
		{"bad signaling url", iceOptions{}, "https://cam.example/ws", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ice, err := tc.o.build(tc.signaling, nil, nil)
			if tc.bad {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.none, ice == nil)
		})
	}
}
