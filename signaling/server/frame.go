package server

import (
	"encoding/binary"

	"echtzeit/signaling/protocol"
)

// WebSocket opcodes the server writes (RFC 6455 §5.2).
const (
	opBinary = 0x2
	opClose  = 0x8
	opPong   = 0xA
)

// appendFrame appends one unfragmented WebSocket frame as a server sends it
// (RFC 6455 §5.2: FIN set, no mask) with the given opcode and payload.
func appendFrame(dst []byte, opcode byte, payload []byte) []byte {
	return append(appendFrameHeader(dst, opcode, len(payload)), payload...)
}

// appendFrameHeader appends the header of such a frame for a payload of n
// bytes.
func appendFrameHeader(dst []byte, opcode byte, n int) []byte {
	dst = append(dst, 0x80|opcode)
	switch {
	case n <= 125:
		return append(dst, byte(n))
	case n <= 0xFFFF:
		return binary.BigEndian.AppendUint16(append(dst, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, 127), uint64(n))
	}
}

// frameHeaderMax is the longest frame header appendFrame writes.
const frameHeaderMax = 10

// closeFrame is a close frame with a status code and a reason of at most 123
// bytes (RFC 6455 §5.5.1).
func closeFrame(code int, text string) []byte {
	payload := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(text)), uint16(code))
	payload = append(payload, truncateClose(text)...)
	return appendFrame(make([]byte, 0, 2+len(payload)), opClose, payload)
}

// pongFrame answers a peer's ping with its application data (RFC 6455 §5.5.3).
func pongFrame(data []byte) []byte {
	return appendFrame(make([]byte, 0, 2+len(data)), opPong, data)
}

// encode encodes a server message as a binary frame ready for the queue.
func (s *Server) encode(m protocol.Message) (outgoing, error) {
	data, err := protocol.Encode(m)
	if err != nil {
		return outgoing{}, err
	}
	return outgoing{frame: appendFrame(make([]byte, 0, frameHeaderMax+len(data)), opBinary, data), typ: m.Type()}, nil
}

// encodeSignal encodes the Room/Signal that relays signal from a participant:
// the hot path of the server, so the frame is built in one buffer without
// re-marshalling the signal (Decode has checked it is a JSON object).
func (s *Server) encodeSignal(from protocol.ParticipantID, signal []byte) (outgoing, error) {
	const prefix, middle = `{"type":"Room/Signal","from":"`, `","signal":`
	n := len(prefix) + len(from) + len(middle) + len(signal) + 1
	buf := appendFrameHeader(make([]byte, 0, frameHeaderMax+n), opBinary, n)
	if err := from.Validate(); err != nil {
		return outgoing{}, err
	}
	buf = append(buf, prefix...)
	buf = append(buf, from...)
	buf = append(buf, middle...)
	buf = append(buf, signal...)
	buf = append(buf, '}')
	return outgoing{frame: buf, typ: protocol.TypeRoomSignal}, nil
}
