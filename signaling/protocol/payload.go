package protocol

import (
	"encoding/json"
	"fmt"
)

// Payload is the content of a Signal as this project's peers use it (SPEC §2). The
// server never inspects it; the camera, the browser interface and the harness do.
// Exactly one field is set.
//
//	{"sdp": {"type": "offer", "sdp": "v=0..."}}
//	{"candidate": {"candidate": "...", "sdpMid": "0", "sdpMLineIndex": 0}}
//	{"candidate": null}                  end of candidates
//	{"request": {"width": 1280, "height": 720, "fps": 30, "codec": "vp8"}}
//	{"error": {"code": "unsupported-format", "message": "..."}}   camera → viewer
type Payload struct {
	SDP *SessionDescription `json:"sdp,omitempty"`
	// Candidate is the raw RTCIceCandidateInit, or the JSON literal null for end of
	// candidates; nil (absent) when the payload carries no candidate.
	Candidate json.RawMessage `json:"candidate,omitempty"`
	Request   *FormatRequest  `json:"request,omitempty"`
	Error     *Error          `json:"error,omitempty"`
}

// SessionDescription is an RTCSessionDescriptionInit.
type SessionDescription struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

// ICECandidate is an RTCIceCandidateInit.
type ICECandidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// FormatRequest asks a camera for a stream format before the offer. Zero fields
// mean "the camera's default".
type FormatRequest struct {
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	FPS    int    `json:"fps,omitempty"`
	Codec  string `json:"codec,omitempty"`
}

// IsEndOfCandidates reports whether p is {"candidate": null}.
func (p Payload) IsEndOfCandidates() bool { return string(p.Candidate) == "null" }

// ICECandidate decodes the candidate of p; ok is false when p has none or it is the
// end-of-candidates marker.
func (p Payload) ICECandidate() (c ICECandidate, ok bool, err error) {
	if len(p.Candidate) == 0 || p.IsEndOfCandidates() {
		return ICECandidate{}, false, nil
	}
	if err := json.Unmarshal(p.Candidate, &c); err != nil {
		return ICECandidate{}, false, fmt.Errorf("decode candidate: %w", err)
	}
	return c, true, nil
}

// DecodePayload parses the signal object of a Signal or RoomSignal.
func DecodePayload(raw json.RawMessage) (Payload, error) {
	var p Payload
	if err := json.Unmarshal(raw, &p); err != nil {
		return Payload{}, fmt.Errorf("decode signal payload: %w", err)
	}
	return p, nil
}

// EncodePayload marshals p for use as the Signal field of a Signal message.
func EncodePayload(p Payload) (json.RawMessage, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode signal payload: %w", err)
	}
	return b, nil
}

// CandidatePayload builds {"candidate": c}.
func CandidatePayload(c ICECandidate) (json.RawMessage, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode candidate: %w", err)
	}
	return EncodePayload(Payload{Candidate: b})
}

// EndOfCandidatesPayload is {"candidate":null}.
func EndOfCandidatesPayload() json.RawMessage { return json.RawMessage(`{"candidate":null}`) }
