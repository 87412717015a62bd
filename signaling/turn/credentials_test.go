package turn

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Known answers computed with an independent implementation:
//
//	echo -n "1700000000:alice" | openssl dgst -sha1 -hmac "north-sea-secret" -binary | base64
func TestPasswordKnownAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, secret, username, want string
	}{
		{"rest username", "north-sea-secret", "1700000000:alice", "Or2+y4pClBAA8mU3e93KEtAPsJs="},
		// RFC 2202 test case 2 (HMAC-SHA1 "Jefe"), base64 of effcdf6ae5eb2fa2d27416d5f184df9c259a7c79.
		{"rfc 2202 case 2", "Jefe", "what do ya want for nothing?", "7/zfauXrL6LSdBbV8YTfnCWafHk="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Password(tc.secret, tc.username))
		})
	}
}

func TestNewCredentials(t *testing.T) {
	exp := time.Unix(1700000000, 0)
	c := NewCredentials("north-sea-secret", "alice", exp)
	assert.Equal(t, "1700000000:alice", c.Username)
	assert.Equal(t, "Or2+y4pClBAA8mU3e93KEtAPsJs=", c.Password)
	assert.True(t, c.Expires.Equal(exp))

	r1 := NewCredentials("s", "", exp)
	r2 := NewCredentials("s", "", exp)
	assert.NotEqual(t, r1.Username, r2.Username, "an empty id gets a random one")
	gotExp, id, err := ParseUsername(r1.Username)
	require.NoError(t, err)
	assert.Len(t, id, 16)
	assert.True(t, gotExp.Equal(exp))
}

func TestParseUsername(t *testing.T) {
	for _, tc := range []struct {
		in     string
		unix   int64
		id     string
		wantOK bool
	}{
		{"1700000000:alice", 1700000000, "alice", true},
		{"1700000000", 1700000000, "", true},
		{"1700000000:a:b", 1700000000, "a:b", true},
		{"alice:1700000000", 0, "", false},
		{"", 0, "", false},
		{"-5:x", 0, "", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			exp, id, err := ParseUsername(tc.in)
			if !tc.wantOK {
				require.ErrorIs(t, err, ErrCredentials)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.unix, exp.Unix())
			assert.Equal(t, tc.id, id)
		})
	}
}
