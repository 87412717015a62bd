package turn

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // HMAC-SHA1 is what the TURN REST convention (and coturn) use
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Credentials are one TURN REST API username and password.
type Credentials struct {
	// Username is "EXPIRY:ID" (EXPIRY in Unix seconds).
	Username string
	// Password is base64(HMAC-SHA1(secret, Username)).
	Password string
	// Expires is when the credentials stop being accepted.
	Expires time.Time
}

// ErrCredentials wraps every refusal of ParseUsername.
var ErrCredentials = errors.New("turn credentials")

// NewCredentials returns the credentials of id that expire at expires, signed
// with secret. An empty id gets a random one.
func NewCredentials(secret, id string, expires time.Time) Credentials {
	if id == "" {
		id = randomID()
	}
	u := strconv.FormatInt(expires.Unix(), 10) + ":" + id
	return Credentials{Username: u, Password: Password(secret, u), Expires: time.Unix(expires.Unix(), 0)}
}

// Password is the password of username under secret:
// base64(HMAC-SHA1(secret, username)).
func Password(secret, username string) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ParseUsername splits a REST username into its expiry and ID ("" when the
// username has no ":ID" part, as coturn allows).
func ParseUsername(username string) (time.Time, string, error) {
	ts, id, _ := strings.Cut(username, ":")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}, "", fmt.Errorf("%w: username %q does not start with an expiry in Unix seconds", ErrCredentials, username)
	}
	return time.Unix(sec, 0), id, nil
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}
