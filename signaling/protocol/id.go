package protocol

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// ParticipantIDLen and RoomIDLen are the lengths of the hex forms of the IDs:
// 128 bits for a participant, 256 bits for a room (SPEC §2).
const (
	ParticipantIDLen = 32
	RoomIDLen        = 64
)

// ParticipantID identifies one signaling connection: 128 random bits as 32 lowercase
// hex characters, assigned by the server in Hello.
type ParticipantID string

// RoomID identifies a room: 256 random bits as 64 lowercase hex characters, chosen by
// the clients and shared out of band (thesis §4.3.2).
type RoomID string

// NewParticipantID returns a fresh participant ID from crypto/rand.
func NewParticipantID() ParticipantID { return ParticipantID(randomHex(ParticipantIDLen / 2)) }

// NewRoomID returns a fresh room ID from crypto/rand.
func NewRoomID() RoomID { return RoomID(randomHex(RoomIDLen / 2)) }

// Validate reports whether id has the participant ID form.
func (id ParticipantID) Validate() error {
	if !isLowerHex(string(id), ParticipantIDLen) {
		return fmt.Errorf("%w: participant ID %q is not %d lowercase hex characters", ErrBadID, truncate(string(id)), ParticipantIDLen)
	}
	return nil
}

// Validate reports whether id has the room ID form.
func (id RoomID) Validate() error {
	if !isLowerHex(string(id), RoomIDLen) {
		return fmt.Errorf("%w: room ID %q is not %d lowercase hex characters", ErrBadID, truncate(string(id)), RoomIDLen)
	}
	return nil
}

// ParseRoomID validates s as a room ID.
func ParseRoomID(s string) (RoomID, error) {
	id := RoomID(s)
	return id, id.Validate()
}

func randomHex(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error since Go 1.24; it aborts the program
	// instead when the kernel's randomness is unavailable.
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
