package turn

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDirectoryList(t *testing.T) {
	d, err := NewDirectory("s3cret", time.Hour,
		"stun:192.0.2.1:3478", "turn:192.0.2.1:3478?transport=udp", "turn:192.0.2.1:3478?transport=tcp", "stun:stun.example.org")
	require.NoError(t, err)
	now := time.Unix(1_800_000_000, 0)
	d.now = func() time.Time { return now }
	l := d.List()
	require.Len(t, l.ICEServers, 4)
	assert.Equal(t, int64(3600), l.TTL)
	assert.Equal(t, []string{"stun:192.0.2.1:3478"}, l.ICEServers[0].URLs)
	assert.Empty(t, l.ICEServers[0].Username, "STUN needs no credentials")
	assert.Empty(t, l.ICEServers[3].Credential)
	for _, s := range l.ICEServers[1:3] {
		exp, id, err := ParseUsername(s.Username)
		require.NoError(t, err)
		assert.Equal(t, now.Add(time.Hour).Unix(), exp.Unix())
		assert.NotEmpty(t, id)
		assert.Equal(t, Password("s3cret", s.Username), s.Credential)
	}
	assert.Equal(t, l.ICEServers[1].Username, l.ICEServers[2].Username, "one set of credentials per answer")
	assert.NotEqual(t, l.ICEServers[1].Username, d.List().ICEServers[1].Username, "fresh credentials per answer")
}

func TestDirectoryRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		secret string
		urls   []string
	}{
		{"not a url", "s", []string{"192.0.2.1:3478"}},
		{"http", "s", []string{"https://example.org"}},
		{"bad transport", "s", []string{"turn:192.0.2.1:3478?transport=sctp"}},
		{"turn without secret", "", []string{"turn:192.0.2.1:3478"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewDirectory(tc.secret, 0, tc.urls...)
			require.ErrorIs(t, err, ErrURL)
		})
	}
	d, err := NewDirectory("", 0, "stun:192.0.2.1")
	require.NoError(t, err, "STUN alone needs no secret")
	assert.Zero(t, d.List().TTL)
}

func TestDirectoryHTTP(t *testing.T) {
	d, err := NewDirectory("", 0)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	d.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Path, nil))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	var got map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	assert.Equal(t, []any{}, got["iceServers"], "an empty list, not null: the page passes it to RTCPeerConnection")

	rec = httptest.NewRecorder()
	d.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Path, nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"specific listen address", Config{Listen: "127.0.0.1:3478", Secret: "s"}, true},
		{"any port", Config{Listen: "127.0.0.1:0", Secret: "s"}, true},
		{"wildcard with public ip", Config{Listen: ":3478", PublicIP: []byte{192, 0, 2, 1}, Secret: "s"}, true},
		{"wildcard without public ip", Config{Listen: "0.0.0.0:3478", Secret: "s"}, false},
		{"no port", Config{Listen: "127.0.0.1", Secret: "s"}, false},
		{"no secret", Config{Listen: "127.0.0.1:3478"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, ErrConfig)
			}
		})
	}
}
