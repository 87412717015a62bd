package protocol

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastSeeds are messages as the peers and the server send them, and near
// misses that must leave the decision to the strict path.
var fastSeeds = []string{
	`{"type":"Signal","signal":{"sdp":{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}}`,
	`{"type":"Signal","to":"0123456789abcdef0123456789abcdef","signal":{"candidate":{"candidate":"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"ab\u00e9"}}}`,
	`{"type":"Signal","signal":{"candidate":null}}`,
	`{"type":"Signal","signal":{"a":[1,-2.5,3e400,-0,0.0e-1,true,false,null,"\"\\\/\b\f\n\r\t"],"b":{}, "c" : [ ] }}`,
	` { "type" : "Signal" , "signal" : { } } `,
	`{"type":"Room/Signal","from":"0123456789abcdef0123456789abcdef","signal":{"x":"ü€𝄞"}}`,
	`{"type":"JoinOrCreate","room":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}`,
	`{"type":"Leave"}`,
	`{"type":"Hello","id":"0123456789abcdef0123456789abcdef"}`,
	`{"type":"Room/Join","id":"0123456789abcdef0123456789abcdef"}`,
	`{"type":"Room/Leave","id":"0123456789abcdef0123456789abcdef"}`,
	`{"type":"Error","code":"room-full","message":"the room is full"}`,
	`{"type":"Joined","room":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","peers":[]}`,
	// Near misses.
	`{"type":"Signal","signal":{"a":01}}`, `{"type":"Signal","signal":{"a":1.}}`, `{"type":"Signal","signal":{"a":-}}`,
	`{"type":"Signal","signal":{"a":1e}}`, `{"type":"Signal","signal":{"a":"\x"}}`, `{"type":"Signal","signal":{"a":"\u12"}}`,
	`{"type":"Signal","signal":{"a":nul}}`, `{"type":"Signal","signal":{"a":[1,]}}`, `{"type":"Signal","signal":{"a":1,}}`,
	`{"type":"Signal","signal":{"a" 1}}`, `{"type":"Signal","signal":[]}`, `{"type":"Signal","signal":"{}"}`,
	`{"type":"Signal","signal":{}}x`, `{"type":"Signal","signal":{}`, `{"type":"Signal"}`, `{"signal":{}}`,
	`{"type":"Signal","signal":{},"signal":{}}`, `{"type":"Signal","Signal":{}}`, `{"type":"Signal","to":"","signal":{}}`,
	`{"type":"Signal","to":"ABCDEF","signal":{}}`, `{"type":"Sig\u006eal","signal":{}}`, `{"t\u0079pe":"Leave"}`,
	`{"type":"Leave","x":1}`, `{"type":"Leave",}`, `{"type":"Bogus"}`, `{"type":1}`, `{}`, `[]`, `null`, ``, `{`,
	"{\"type\":\"Signal\",\"signal\":{\"a\":\"\x01\"}}", "{\"type\":\"Signal\",\"signal\":{\"a\":\"\xff\"}}",
	"\xef\xbb\xbf{\"type\":\"Leave\"}", `{"type":"Signal","signal":` + strings.Repeat(`{"a":`, 70) + `1` + strings.Repeat(`}`, 70) + `}`,
}

// FuzzDecodeFast checks the contract of the fast path: whatever it accepts,
// the strict path accepts too, with the same value.
func FuzzDecodeFast(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := decodeFast(data)
		strict, err := decode(data)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("fast path accepts %q, the strict path refuses it: %v", data, err)
		}
		if !assert.ObjectsAreEqual(strict, fast) {
			t.Fatalf("%q: fast path %#v, strict path %#v", data, fast, strict)
		}
	})
}

// TestDecodeFastTakes checks that the messages of a session (and the seeds'
// near misses' valid neighbours) take the fast path, so the differential test
// above is not vacuous, and that the near misses do not.
func TestDecodeFastTakes(t *testing.T) {
	// Valid, but left to the strict path: a peer list, escapes in a key or
	// a type name, nesting deeper than maxFastDepth.
	strictOnly := map[int]bool{12: true, 33: true, 34: true, len(fastSeeds) - 1: true}
	for i, s := range fastSeeds {
		_, ok := decodeFast([]byte(s))
		m, err := Decode([]byte(s))
		switch {
		case strictOnly[i]:
			require.NoError(t, err, "seed %d %q", i, s)
			assert.NotNil(t, m)
			assert.False(t, ok, "seed %d %q should take the strict path", i, s)
		case err == nil:
			assert.True(t, ok, "seed %d %q should take the fast path", i, s)
		default:
			assert.False(t, ok, "seed %d %q is invalid", i, s)
		}
	}
}
