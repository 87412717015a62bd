package camera

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLoopbackMode(t *testing.T) {
	tests := []struct {
		in   string
		want LoopbackMode
		bad  bool
	}{
		{"auto", LoopbackAuto, false},
		{"", LoopbackAuto, false},
		{"true", LoopbackOn, false},
		{"1", LoopbackOn, false},
		{"On", LoopbackOn, false},
		{"false", LoopbackOff, false},
		{"0", LoopbackOff, false},
		{"no", LoopbackOff, false},
		{"maybe", LoopbackAuto, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLoopbackMode(tt.in)
			if tt.bad {
				require.ErrorIs(t, err, ErrBadLoopbackMode)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			again, err := ParseLoopbackMode(got.String())
			require.NoError(t, err)
			assert.Equal(t, got, again, "String round-trips")
		})
	}
	var m LoopbackMode
	assert.Equal(t, "auto", m.String(), "the zero value is auto")
	assert.True(t, m.IsBoolFlag(), "a bare --ice-loopback means true")
	require.NoError(t, m.Set("true"))
	assert.Equal(t, LoopbackOn, m)
	require.Error(t, m.Set("sometimes"))
	assert.Equal(t, LoopbackOn, m, "a refused value changes nothing")
}

func TestDecideLoopback(t *testing.T) {
	tests := []struct {
		name         string
		mode         LoopbackMode
		hostLoopback bool
		usable       []string
		want         bool
		reason       string
	}{
		{"auto, lo only", LoopbackAuto, false, nil, true, "no network interface other than loopback"},
		{"auto, server on loopback", LoopbackAuto, true, []string{"eth0"}, true, "is a loopback address"},
		{"auto, both", LoopbackAuto, true, nil, true, "; "},
		{"auto, remote server and eth0", LoopbackAuto, false, []string{"eth0", "wlan0"}, false, "eth0, wlan0"},
		{"on, remote server and eth0", LoopbackOn, false, []string{"eth0"}, true, "--ice-loopback=true"},
		{"off, lo only", LoopbackOff, true, nil, false, "--ice-loopback=false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decideLoopback(tt.mode, "host.example", tt.hostLoopback, tt.usable)
			assert.Equal(t, tt.want, d.include)
			assert.Contains(t, d.reason, tt.reason)
		})
	}
}

func TestUsableAddr(t *testing.T) {
	tests := []struct {
		ip     string
		filter func(net.IP) bool
		want   bool
	}{
		{"192.0.2.2", nil, true},
		{"10.1.2.3", nil, true},
		{"2001:db8::1", nil, true},
		{"127.0.0.1", nil, false},
		{"::1", nil, false},
		{"fe80::1", nil, false},
		{"169.254.1.1", nil, false},
		{"192.0.2.2", func(ip net.IP) bool { return ip.IsLoopback() }, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, usableAddr(net.ParseIP(tt.ip), tt.filter), tt.ip)
	}
}

func TestSignalingHost(t *testing.T) {
	tests := []struct {
		url      string
		host     string
		loopback bool
	}{
		{"wss://127.0.0.1:8443/ws", "127.0.0.1", true},
		{"ws://127.0.1.1:8080/ws", "127.0.1.1", true},
		{"wss://[::1]:8443/ws", "::1", true},
		{"wss://localhost:8443/ws", "localhost", true},
		{"wss://cam.localhost/ws", "cam.localhost", true},
		{"wss://192.0.2.10:8443/ws", "192.0.2.10", false},
		{"wss://[2001:db8::2]/ws", "2001:db8::2", false},
		{"wss:///ws", "", false},
		{"::not a url", "", false},
	}
	for _, tt := range tests {
		host, loopback := signalingHost(context.Background(), tt.url)
		assert.Equal(t, tt.host, host, tt.url)
		assert.Equal(t, tt.loopback, loopback, tt.url)
	}
}

// TestLoopbackGathering gathers candidates with real pion PeerConnections built
// by NewAPI in each mode and checks which ones are on loopback. In a network
// namespace with only lo (scripts/netns.sh), auto must find loopback even when
// the signaling server is not on it; on a machine with other interfaces it
// leaves loopback out for a remote server.
func TestLoopbackGathering(t *testing.T) {
	onlyLo := len(usableInterfaces(nil)) == 0
	tests := []struct {
		name      string
		mode      LoopbackMode
		signaling string
		want      bool
	}{
		{"on", LoopbackOn, "wss://192.0.2.10:8443/ws", true},
		{"off", LoopbackOff, "wss://127.0.0.1:8443/ws", false},
		{"auto, server on loopback", LoopbackAuto, "wss://127.0.0.1:8443/ws", true},
		{"auto, remote server", LoopbackAuto, "wss://192.0.2.10:8443/ws", onlyLo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, err := NewAPI(APIOptions{ICELoopback: tt.mode, SignalingURL: tt.signaling})
			require.NoError(t, err)
			pc, _, err := api.newPeerConnection(webrtc.Configuration{}, 0)
			require.NoError(t, err)
			defer func() { require.NoError(t, pc.Close()) }()
			_, err = pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo)
			require.NoError(t, err)
			offer, err := pc.CreateOffer(nil)
			require.NoError(t, err)
			gathered := webrtc.GatheringCompletePromise(pc)
			require.NoError(t, pc.SetLocalDescription(offer))
			select {
			case <-gathered:
			case <-time.After(10 * time.Second):
				t.Fatal("gathering did not complete in 10 s")
			}
			var loopback, all []string
			for _, line := range strings.Split(pc.LocalDescription().SDP, "\n") {
				if !strings.HasPrefix(line, "a=candidate:") {
					continue
				}
				f := strings.Fields(line)
				require.GreaterOrEqual(t, len(f), 5, line)
				all = append(all, f[4])
				if ip := net.ParseIP(f[4]); ip != nil && ip.IsLoopback() {
					loopback = append(loopback, f[4])
				}
			}
			t.Logf("candidates on %v (only lo: %v)", all, onlyLo)
			assert.Equal(t, tt.want, len(loopback) > 0, "loopback candidates %v", loopback)
		})
	}
}
