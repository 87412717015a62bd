package server

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"echtzeit/signaling/protocol"
)

func TestTruncateClose(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"short", "protocol violation: x"},
		{"ascii", strings.Repeat("a", 300)},
		{"multi-byte at the cut", strings.Repeat("a", 119) + "äöü" + strings.Repeat("b", 50)},
		{"all multi-byte", strings.Repeat("€", 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := truncateClose(tt.in)
			assert.LessOrEqual(t, len(out), 123)
			assert.True(t, utf8.ValidString(out))
			assert.True(t, strings.HasPrefix(tt.in, out))
		})
	}
}

func TestDescribeDecodeError(t *testing.T) {
	tests := []struct {
		data, want string
	}{
		{`{"type":"JoinOrCreate","room":"x"}`, "bad room ID: JoinOrCreate: malformed ID"},
		{`{"type":"Signal","to":"x","signal":{}}`, "Signal: malformed ID: participant ID"},
		{`{"type":"Nope"}`, `unknown message type "Nope"`},
		{`{`, "not JSON"},
	}
	for _, tt := range tests {
		_, err := protocol.Decode([]byte(tt.data))
		assert.Contains(t, describeDecodeError(err), tt.want, tt.data)
		assert.NotContains(t, describeDecodeError(err), "invalid message:", tt.data)
	}
}
