package loadgen

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// chromiumSession is an offer, an answer and their trickled candidates as
// Chromium made them (origin in the file).
//
//go:embed chromium-session.json
var chromiumSession []byte

// candidatesPerSide is how many candidates each side trickles: ten, as a
// dual-stack laptop with two interfaces gathers behind a NAT with STUN (host
// UDP and TCP on IPv4 and IPv6 per interface, a server-reflexive one per
// interface). The recording has the four host candidates of one interface;
// sessionCandidates derives the rest from them (issue #12: "an offer, an
// answer and ~10 candidates (real sizes)").
const candidatesPerSide = 10

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
	side := func(desc json.RawMessage, recorded []json.RawMessage) (sessionSignals, error) {
		cands, err := sessionCandidates(recorded, candidatesPerSide)
		if err != nil {
			return nil, fmt.Errorf("session data: %w", err)
		}
		out := sessionSignals{wrap("sdp", desc)}
		for _, c := range cands {
			out = append(out, wrap("candidate", c))
		}
		return append(out, []byte(`{"candidate":null}`)), nil
	}
	offer, err := side(d.Offer, d.OfferCandidates)
	if err != nil {
		return sessionScript{}, err
	}
	answer, err := side(d.Answer, d.AnswerCandidates)
	if err != nil {
		return sessionScript{}, err
	}
	return sessionScript{offer: offer, answer: answer}, nil
}

// sessionCandidates returns n candidates in gathering order: the recorded
// host candidates, the same again on a second interface (next address, its
// own foundation, port and network-id), then server-reflexive candidates of
// the IPv4 UDP host candidates (a documentation address as the NAT's, RFC
// 5737), as Chromium writes them. Each keeps the recorded JSON's fields and
// order; only the candidate line changes, so the sizes stay Chromium's.
func sessionCandidates(recorded []json.RawMessage, n int) ([]json.RawMessage, error) {
	type line struct {
		raw    json.RawMessage
		fields []string
	}
	var host []line
	for _, raw := range recorded {
		var c struct {
			Candidate string `json:"candidate"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("candidate %s: %w", raw, err)
		}
		f := strings.Fields(c.Candidate)
		if len(f) < 8 || f[6] != "typ" || f[7] != "host" {
			return nil, fmt.Errorf("candidate %q: not a host candidate line", c.Candidate)
		}
		host = append(host, line{raw, f})
	}
	if len(host) == 0 {
		return nil, errors.New("no candidates")
	}
	// replace returns raw with its candidate line changed to f.
	replace := func(l line, f []string) json.RawMessage {
		oldLine, _ := json.Marshal(strings.Join(l.fields, " "))
		newLine, _ := json.Marshal(strings.Join(f, " "))
		return bytes.Replace(l.raw, oldLine, newLine, 1)
	}
	second := make([]line, len(host))
	for i, l := range host {
		f := slices.Clone(l.fields)
		f[0] = "candidate:" + shift(strings.TrimPrefix(f[0], "candidate:"), 7919)
		f[4] = nextAddress(f[4])
		if f[5] != "9" { // TCP active candidates keep the discard port
			f[5] = shift(f[5], 1000)
		}
		if k := slices.Index(f, "network-id"); k >= 0 && k+1 < len(f) {
			f[k+1] = shift(f[k+1], 2)
		}
		second[i] = line{replace(l, f), f}
	}
	out := make([]json.RawMessage, 0, n)
	for _, l := range slices.Concat(host, second) {
		out = append(out, l.raw)
	}
	for _, l := range slices.Concat(host, second) {
		if f := l.fields; f[2] == "udp" && !strings.Contains(f[4], ":") {
			// candidate:F 1 udp PRIO ADDR PORT typ srflx raddr A rport P ...
			s := slices.Concat(f[:6], []string{"typ", "srflx", "raddr", f[4], "rport", f[5]}, f[8:])
			s[0] = "candidate:" + shift(strings.TrimPrefix(f[0], "candidate:"), 104729)
			s[3] = "1686052607" // Chromium's srflx priority (type preference 100)
			s[4] = "203.0.113." + shift(f[4][strings.LastIndexByte(f[4], '.')+1:], 5)
			s[5] = shift(f[5], 12000)
			out = append(out, replace(l, s))
		}
	}
	for len(out) < n {
		out = append(out, out[len(out)%len(host)])
	}
	return out[:n], nil
}

// shift adds d to a decimal field (it stays one if it was not).
func shift(field string, d int) string {
	v, err := strconv.Atoi(field)
	if err != nil {
		return field
	}
	return strconv.Itoa(v + d)
}

// nextAddress is the address after a: 192.0.2.2 → 192.0.2.3, fd00::2 → fd00::3.
func nextAddress(a string) string {
	ip, err := netip.ParseAddr(a)
	if err != nil {
		return a
	}
	return ip.Next().String()
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
