package camera

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// logIDs turns room and participant IDs into short keyed hashes for the logs
// (issue #14): the room ID is the only key to a camera (thesis §4.3.2), and a
// participant ID lets a room member address signals, so neither appears in a log
// line above debug. The key is random per process: lines of one run correlate
// (the same viewer has the same tag), lines of different runs do not, and a tag
// cannot be turned back into an ID or checked against a guessed one without the
// key, which never leaves memory.
type logIDs struct{ key [32]byte }

func newLogIDs() logIDs {
	var l logIDs
	// crypto/rand.Read never returns an error (Go 1.24+); it panics when the
	// system's generator is broken.
	_, _ = rand.Read(l.key[:])
	return l
}

// tag is the first 8 hex characters of HMAC-SHA-256(key, id).
func (l logIDs) tag(id string) string {
	m := hmac.New(sha256.New, l.key[:])
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)[:4])
}
