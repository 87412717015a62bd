package child

import (
	"bytes"
	"strings"
	"sync"
	"unicode/utf8"
)

// Defaults of a Tail.
const (
	// DefaultTailLines is how many lines a Tail keeps unless told otherwise.
	DefaultTailLines = 40
	// DefaultLineLen is the length (in bytes) past which a kept line is cut
	// and ends in "…".
	DefaultLineLen = 500
	// maxPending bounds a line without end (progress output, a binary blob):
	// past it the bytes so far are taken as one line.
	maxPending = 64 << 10
)

// Tail is an io.Writer that splits what is written into lines and keeps the
// last ones. A line ends at "\n", "\r\n" or a lone "\r" (progress output);
// trailing white space is dropped, blank lines are skipped. Every line is
// passed whole (up to 64 KiB) to the callback; the kept copy is cut at the
// line length. Its methods are safe for concurrent use.
type Tail struct {
	n, lineLen int
	onLine     func(string)

	writeMu sync.Mutex // serialises Write and Flush, so lines reach onLine in order
	pending []byte     // the unfinished last line; guarded by mu for readers

	mu    sync.Mutex
	lines []string
}

// NewTail keeps the last n lines (DefaultTailLines when n ≤ 0), cuts kept
// lines longer than lineLen bytes (DefaultLineLen when lineLen ≤ 0) and
// passes every line to onLine (may be nil), in order, from the writing
// goroutine.
func NewTail(n, lineLen int, onLine func(line string)) *Tail {
	if n <= 0 {
		n = DefaultTailLines
	}
	if lineLen <= 0 {
		lineLen = DefaultLineLen
	}
	return &Tail{n: n, lineLen: lineLen, onLine: onLine}
}

// Write takes p as more output. It never fails.
func (t *Tail) Write(p []byte) (int, error) {
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	rest := p
	for len(rest) > 0 {
		room := maxPending - len(t.pending) // pending changes only under writeMu
		i := bytes.IndexAny(rest, "\r\n")
		switch {
		case i >= 0 && i <= room:
			t.appendPending(rest[:i])
			t.endLine()
			rest = rest[i+1:]
		case i < 0 && len(rest) < room:
			t.appendPending(rest)
			rest = nil
		default: // the line reaches maxPending without an end
			t.appendPending(rest[:room])
			t.endLine()
			rest = rest[room:]
		}
	}
	return len(p), nil
}

func (t *Tail) appendPending(b []byte) {
	t.mu.Lock()
	t.pending = append(t.pending, b...)
	t.mu.Unlock()
}

// Flush ends an unfinished last line (call it when the output has ended).
func (t *Tail) Flush() {
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	t.endLine()
}

// endLine keeps the pending bytes as a line and hands them to onLine. The
// caller holds writeMu.
func (t *Tail) endLine() {
	t.mu.Lock()
	line := strings.TrimRight(string(t.pending), " \t\r\n")
	t.pending = t.pending[:0]
	if line != "" {
		t.lines = append(t.lines, cut(line, t.lineLen))
		if len(t.lines) > t.n {
			t.lines = append(t.lines[:0], t.lines[len(t.lines)-t.n:]...)
		}
	}
	t.mu.Unlock()
	if line != "" && t.onLine != nil {
		t.onLine(line)
	}
}

// Lines returns the kept lines, oldest first, and the unfinished last line
// if there is one (cut like the others; it stays pending).
func (t *Tail) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.lines)+1)
	out = append(out, t.lines...)
	if p := strings.TrimRight(string(t.pending), " \t"); p != "" {
		if len(out) == t.n {
			out = out[1:]
		}
		out = append(out, cut(p, t.lineLen))
	}
	return out
}

// String returns Lines, each ended by "\n"; "" when there are none.
func (t *Tail) String() string {
	lines := t.Lines()
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// cut shortens line to at most n bytes (at a character boundary) plus "…".
func cut(line string, n int) string {
	if len(line) <= n {
		return line
	}
	i := n
	for i > 0 && !utf8.RuneStart(line[i]) {
		i--
	}
	return line[:i] + "…"
}
