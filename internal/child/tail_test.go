package child_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/internal/child"
)

func TestTail(t *testing.T) {
	long := strings.Repeat("x", 30)
	tests := []struct {
		name      string
		n, len    int
		writes    []string
		flush     bool
		wantLines []string // Lines() after the writes
		wantSeen  []string // what onLine got
	}{
		{
			name: "newline, CRLF and lone CR end lines", n: 10, len: 100,
			writes:    []string{"a\nb\r\nc\rd\n"},
			wantLines: []string{"a", "b", "c", "d"}, wantSeen: []string{"a", "b", "c", "d"},
		},
		{
			name: "lines split across writes", n: 10, len: 100,
			writes:    []string{"hel", "lo\nwor", "ld\n"},
			wantLines: []string{"hello", "world"}, wantSeen: []string{"hello", "world"},
		},
		{
			name: "blank lines and trailing white space dropped", n: 10, len: 100,
			writes:    []string{"\n\n  \n\tindented  \n"},
			wantLines: []string{"\tindented"}, wantSeen: []string{"\tindented"},
		},
		{
			name: "only the last n kept, every line seen", n: 2, len: 100,
			writes:    []string{"1\n2\n3\n4\n"},
			wantLines: []string{"3", "4"}, wantSeen: []string{"1", "2", "3", "4"},
		},
		{
			name: "long lines cut in the tail, whole for the callback", n: 5, len: 10,
			writes:    []string{long + "\n"},
			wantLines: []string{strings.Repeat("x", 10) + "…"}, wantSeen: []string{long},
		},
		{
			name: "cut at a character boundary", n: 5, len: 4,
			writes:    []string{"aäöü\n"}, // a=1 byte, umlauts 2 bytes each
			wantLines: []string{"aä…"}, wantSeen: []string{"aäöü"},
		},
		{
			name: "unfinished line shown, not yet seen", n: 2, len: 100,
			writes:    []string{"1\n2\npart"},
			wantLines: []string{"2", "part"}, wantSeen: []string{"1", "2"},
		},
		{
			name: "flush ends the unfinished line", n: 5, len: 100,
			writes: []string{"1\npart"}, flush: true,
			wantLines: []string{"1", "part"}, wantSeen: []string{"1", "part"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []string
			tail := child.NewTail(tt.n, tt.len, func(l string) { seen = append(seen, l) })
			for _, w := range tt.writes {
				n, err := tail.Write([]byte(w))
				require.NoError(t, err)
				require.Equal(t, len(w), n)
			}
			if tt.flush {
				tail.Flush()
			}
			assert.Equal(t, tt.wantLines, tail.Lines())
			assert.Equal(t, tt.wantSeen, seen)
			assert.Equal(t, strings.Join(tt.wantLines, "\n")+"\n", tail.String())
		})
	}
}

func TestTailEmpty(t *testing.T) {
	tail := child.NewTail(0, 0, nil)
	assert.Empty(t, tail.Lines())
	assert.Equal(t, "", tail.String())
}

// A line without end is taken as a line once it reaches 64 KiB, so a
// program that never writes a newline cannot grow the tail without bound.
func TestTailBoundsUnendedLine(t *testing.T) {
	var seen []int
	tail := child.NewTail(3, 10, func(l string) { seen = append(seen, len(l)) })
	chunk := []byte(strings.Repeat("y", 1000))
	for range 200 { // 200,000 bytes, no newline
		_, _ = tail.Write(chunk)
	}
	assert.Equal(t, []int{64 << 10, 64 << 10, 64 << 10}, seen)
	for _, l := range tail.Lines() {
		assert.LessOrEqual(t, len(l), 10+len("…"))
	}
}
