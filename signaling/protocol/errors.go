package protocol

import "errors"

// Errors returned by Decode and the ID validators. All decode errors wrap
// ErrInvalidMessage so a server can map them to a protocol violation with one check.
var (
	// ErrInvalidMessage is wrapped by every error Decode returns.
	ErrInvalidMessage = errors.New("invalid message")
	// ErrUnknownType means the "type" field names no message of the protocol.
	ErrUnknownType = errors.New("unknown message type")
	// ErrBadID means a participant or room ID does not have its required form.
	ErrBadID = errors.New("malformed ID")
)

// Error codes sent in Error messages (SPEC §2).
const (
	CodeProtocolViolation = "protocol-violation"
	CodeRoomFull          = "room-full"
	CodeBadRoomID         = "bad-room-id"
	CodeNotInRoom         = "not-in-room"
	CodeUnknownPeer       = "unknown-peer"
	CodeServerShutdown    = "server-shutdown"
	CodeServerFull        = "server-full"
	CodeRateLimited       = "rate-limited"
	CodeMessageTooLarge   = "message-too-large"
	// CodeJoinTimeout: the connection stayed outside a room too long and is
	// closed (close code 1008).
	CodeJoinTimeout = "join-timeout"
	// CodeUnavailable: a cluster's room directory did not answer; the
	// connection stays usable and JoinOrCreate may be sent again.
	CodeUnavailable = "unavailable"
)
