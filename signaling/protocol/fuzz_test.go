package protocol_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"echtzeit/signaling/protocol"
)

// FuzzDecode checks that Decode never panics, that every error wraps
// ErrInvalidMessage, and that whatever it accepts re-encodes to a message that
// decodes to the same value. The seeds are valid and broken messages; more
// inputs live in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":"Hello","id":"0123456789abcdef0123456789abcdef"}`,
		`{"type":"Joined","room":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","peers":[]}`,
		`{"type":"Joined","room":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","peers":["0123456789abcdef0123456789abcdef"]}`,
		`{"type":"Error","code":"room-full","message":"full"}`,
		`{"type":"Room/Join","id":"0123456789abcdef0123456789abcdef"}`,
		`{"type":"Room/Leave","id":"0123456789abcdef0123456789abcdef"}`,
		`{"type":"Room/Signal","from":"0123456789abcdef0123456789abcdef","signal":{"candidate":null}}`,
		`{"type":"JoinOrCreate","room":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}`,
		`{"type":"Signal","signal":{"sdp":{"type":"offer","sdp":"v=0\r\n"}}}`,
		`{"type":"Signal","to":"0123456789abcdef0123456789abcdef","signal":{"request":{"width":640,"height":480,"fps":30,"codec":"vp8"}}}`,
		`{"type":"Leave"}`,
		``, `{`, `null`, `[]`, `{"type":"Leave"}{}`, `{"type":"Leave","type":"Leave"}`,
		`{"type":"JoinOrCreate","room":"ABC"}`, `{"type":"Signal","signal":"x"}`, `{"type":1}`,
		`{"type":"Bogus"}`, `{"type":"Leave","x":null}`, "{\"type\":\"Leave\",\"\xff\":1}",
		`{"type":"Signal","signal":{"a":{"b":{"c":[1,2,3e400]}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := protocol.Decode(data)
		if err != nil {
			if m != nil {
				t.Fatalf("Decode returned a message and an error")
			}
			if !errors.Is(err, protocol.ErrInvalidMessage) {
				t.Fatalf("error does not wrap ErrInvalidMessage: %v", err)
			}
			return
		}
		out, err := protocol.Encode(m)
		if err != nil {
			t.Fatalf("Decode accepted %q but Encode refuses %#v: %v", data, m, err)
		}
		m2, err := protocol.Decode(out)
		if err != nil {
			t.Fatalf("re-encoded %q does not decode: %v", out, err)
		}
		a, _ := protocol.Encode(m2)
		if !bytes.Equal(out, a) {
			t.Fatalf("not stable: %q then %q", out, a)
		}
		if !json.Valid(out) {
			t.Fatalf("Encode produced invalid JSON %q", out)
		}
	})
}
