package protocol

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
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

// Validate reports whether id has the participant ID form. The error says
// what is wrong (length, or the first bad character's position) without
// quoting the ID: errors end up in logs, and a room ID is a secret.
func (id ParticipantID) Validate() error {
	if why := hexProblem(string(id), ParticipantIDLen); why != "" {
		return fmt.Errorf("%w: participant ID %s; want %d lowercase hex characters", ErrBadID, why, ParticipantIDLen)
	}
	return nil
}

// Validate reports whether id has the room ID form, without quoting it.
func (id RoomID) Validate() error {
	if why := hexProblem(string(id), RoomIDLen); why != "" {
		return fmt.Errorf("%w: room ID %s; want %d lowercase hex characters", ErrBadID, why, RoomIDLen)
	}
	return nil
}

// hexProblem describes why s is not n lowercase hex characters, or "".
func hexProblem(s string, n int) string {
	if len(s) != n {
		return fmt.Sprintf("has %d bytes", len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return fmt.Sprintf("has a character other than 0-9a-f at position %d", i+1)
		}
	}
	return ""
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

// truncate shortens a peer's string quoted in an error (a type or field
// name) to 24 bytes: enough to recognise a typo, too short to carry a room ID
// (64 characters) or a participant ID (32) into a log.
func truncate(s string) string {
	if len(s) > 24 {
		return strings.ToValidUTF8(s[:24], "") + "…"
	}
	return s
}
