package protocol_test

import (
	"strings"
	"testing"

	"echtzeit/signaling/protocol"
)

// BenchmarkDecode decodes a relayed SDP-sized signal (~1 KB), the server's and
// every client's most frequent work per message.
func BenchmarkDecode(b *testing.B) {
	msg := []byte(`{"type":"Room/Signal","from":"0123456789abcdef0123456789abcdef","signal":{"sdp":{"type":"offer","sdp":"` + strings.Repeat("a=x\\r\\n", 160) + `"}}}`)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := protocol.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}
