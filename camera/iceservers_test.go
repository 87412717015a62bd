package camera

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestICEServersURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"wss://127.0.0.1:8443/ws", "https://127.0.0.1:8443/iceservers"},
		{"ws://cam.example/ws?x=1#f", "http://cam.example/iceservers"},
		{"wss://[::1]:8443/ws", "https://[::1]:8443/iceservers"},
	} {
		got, err := ICEServersURL(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got)
	}
	for _, bad := range []string{"https://host/ws", "wss:///ws", "::"} {
		_, err := ICEServersURL(bad)
		assert.Error(t, err, bad)
	}
}

func TestICEServersConfiguration(t *testing.T) {
	var calls atomic.Int32
	var fail atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if fail.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"iceServers":[{"urls":["stun:192.0.2.1:3478"]},
			{"urls":"turn:192.0.2.1:3478?transport=udp","username":"1800000000:x","credential":"pw"},
			{"urls":[]}],"ttl":600}`))
	}))
	defer srv.Close()
	now := time.Unix(1_700_000_000, 0)
	s := NewICEServers(srv.URL, srv.Client(), false, nil)
	s.now = func() time.Time { return now }
	ctx := context.Background()

	c := s.Configuration(ctx)
	assert.Equal(t, []webrtc.ICEServer{
		{URLs: []string{"stun:192.0.2.1:3478"}},
		{URLs: []string{"turn:192.0.2.1:3478?transport=udp"}, Username: "1800000000:x", Credential: "pw"},
	}, c.ICEServers)
	assert.Equal(t, webrtc.ICETransportPolicyAll, c.ICETransportPolicy)
	s.Configuration(ctx)
	assert.Equal(t, int32(1), calls.Load(), "cached while the credentials are fresh")

	now = now.Add(301 * time.Second) // past half the TTL
	fail.Store(true)
	c = s.Configuration(ctx)
	assert.Equal(t, int32(2), calls.Load())
	assert.Len(t, c.ICEServers, 2, "a failed fetch keeps the last list")
	s.Configuration(ctx)
	assert.Equal(t, int32(2), calls.Load(), "not fetched again for every viewer after a failure")
	now = now.Add(iceRetryDelay)
	fail.Store(false)
	s.Configuration(ctx)
	assert.Equal(t, int32(3), calls.Load())

	relay := NewICEServers(srv.URL, srv.Client(), true, nil)
	assert.Equal(t, webrtc.ICETransportPolicyRelay, relay.Configuration(ctx).ICETransportPolicy)

	var none *ICEServers
	assert.Equal(t, webrtc.Configuration{}, none.Configuration(ctx), "nil: no servers, all candidates")
}
