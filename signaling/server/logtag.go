package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"

	"echtzeit/signaling/protocol"
)

// tagger names participants and rooms in the logs by a short keyed hash
// (HMAC-SHA-256 under a key drawn at start, first 4 bytes in hex): lines about
// one connection or room can be correlated, but a room ID, the only key to a
// camera (thesis §4.3.2), never reaches a log, and a tag cannot be reversed or
// matched against a guessed ID without the process's key.
type tagger struct {
	key [32]byte
}

func newTagger() tagger {
	var t tagger
	_, _ = rand.Read(t.key[:]) // never fails since Go 1.24
	return t
}

func (t tagger) tag(kind byte, id string) string {
	m := hmac.New(sha256.New, t.key[:])
	m.Write([]byte{kind})
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)[:4])
}

func (t tagger) participant(id protocol.ParticipantID) string { return t.tag('p', string(id)) }
func (t tagger) room(id protocol.RoomID) string               { return t.tag('r', string(id)) }
