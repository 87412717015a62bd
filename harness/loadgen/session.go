package loadgen

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// chromiumSession is an offer, an answer and their trickled candidates as
// Chromium made them (origin in the file).
//
//go:embed chromium-session.json
var chromiumSession []byte

// candidatesPerSide is how many candidates each side trickles: about ten per
// session, as a laptop with a few interfaces gathers (host, srflx; UDP, TCP).
const candidatesPerSide = 5

// sessionSignals are one side's signals in sending order: its description,
// its candidates and the end-of-candidates marker, each a Signal payload in
// the page's form (SPEC §2).
type sessionSignals [][]byte

// sessionScript holds both sides' signals.
type sessionScript struct {
	offer, answer sessionSignals
}

func loadSessionScript() (sessionScript, error) {
	var d struct {
		Offer            json.RawMessage   `json:"offer"`
		Answer           json.RawMessage   `json:"answer"`
		OfferCandidates  []json.RawMessage `json:"offerCandidates"`
		AnswerCandidates []json.RawMessage `json:"answerCandidates"`
	}
	if err := json.Unmarshal(chromiumSession, &d); err != nil {
		return sessionScript{}, fmt.Errorf("session data: %w", err)
	}
	if len(d.OfferCandidates) == 0 || len(d.AnswerCandidates) == 0 {
		return sessionScript{}, fmt.Errorf("session data: no candidates")
	}
	side := func(desc json.RawMessage, cands []json.RawMessage) sessionSignals {
		out := sessionSignals{wrap("sdp", desc)}
		for i := range candidatesPerSide {
			out = append(out, wrap("candidate", cands[i%len(cands)]))
		}
		return append(out, []byte(`{"candidate":null}`))
	}
	return sessionScript{offer: side(d.Offer, d.OfferCandidates), answer: side(d.Answer, d.AnswerCandidates)}, nil
}

func wrap(key string, v json.RawMessage) []byte {
	b, _ := json.Marshal(map[string]json.RawMessage{key: v})
	return b
}

// sessionSignalKind tells a received session signal's role.
type sessionSignalKind int

const (
	kindOther sessionSignalKind = iota
	kindDescription
	kindCandidate
	kindEndOfCandidates
)

func classify(signal []byte) sessionSignalKind {
	var s struct {
		SDP       json.RawMessage `json:"sdp"`
		Candidate json.RawMessage `json:"candidate"`
	}
	if json.Unmarshal(signal, &s) != nil {
		return kindOther
	}
	switch {
	case s.SDP != nil:
		return kindDescription
	case string(s.Candidate) == "null":
		return kindEndOfCandidates
	case s.Candidate != nil:
		return kindCandidate
	}
	return kindOther
}
