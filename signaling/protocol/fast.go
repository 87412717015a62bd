package protocol

import (
	"reflect"
	"unicode/utf8"
)

// The server decodes every relayed signal, so Decode's cost is paid once per
// message by the server and once more by the receiving client. encoding/json
// reads a message three times (a validity scan, the map of members, a skip per
// raw value) and allocates a map; at 50 signals a second that was a fifth of
// the server's CPU (DESIGN.md, "The thesis's 50 users"). decodeFast reads the
// common messages in one pass without building values; anything it is not
// sure of goes through the strict path, which also words the errors.

// maxFastMembers is how many members a message decodeFast takes may have (the
// longest valid message, Joined, has three besides "type").
const maxFastMembers = 6

// maxFastDepth bounds the nesting decodeFast scans inside a value; deeper
// signals take the strict path (encoding/json allows 10,000 levels).
const maxFastDepth = 64

// span is a member's key or value: data[start:end].
type span struct{ start, end int }

// decodeFast decodes data in one pass when it is a valid message whose keys
// and string fields carry no escapes and whose other fields are raw JSON
// (every message but Joined). ok is false for anything else, including every
// invalid message: Decode then takes the strict path. So decodeFast never
// accepts what the strict path refuses and returns what it returns
// (FuzzDecodeFast checks both against decode).
func decodeFast(data []byte) (m Message, ok bool) {
	if !utf8.Valid(data) {
		return nil, false
	}
	var keys, vals [maxFastMembers]span
	n := 0
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return nil, false // {} has no "type"
	}
	for {
		if n == maxFastMembers || i >= len(data) || data[i] != '"' {
			return nil, false
		}
		end := scanSimpleString(data, i)
		if end < 0 {
			return nil, false
		}
		keys[n] = span{i + 1, end - 1}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return nil, false
		}
		i = skipSpace(data, i+1)
		end = scanValue(data, i, 0)
		if end < 0 {
			return nil, false
		}
		vals[n] = span{i, end}
		n++
		i = skipSpace(data, end)
		if i >= len(data) {
			return nil, false
		}
		if data[i] == '}' {
			break
		}
		if data[i] != ',' {
			return nil, false
		}
		i = skipSpace(data, i+1)
	}
	if skipSpace(data, i+1) != len(data) {
		return nil, false // trailing data
	}
	return buildFast(data, keys[:n], vals[:n])
}

// buildFast makes the message from its members, or reports false.
func buildFast(data []byte, keys, vals []span) (Message, bool) {
	typ := ""
	for j, k := range keys {
		for _, k2 := range keys[:j] {
			if string(data[k.start:k.end]) == string(data[k2.start:k2.end]) {
				return nil, false // duplicate
			}
		}
		if string(data[k.start:k.end]) == "type" {
			v := vals[j]
			if data[v.start] != '"' || !isSimpleString(data[v.start:v.end]) {
				return nil, false
			}
			typ = typeName(data[v.start+1 : v.end-1])
		}
	}
	if typ == "" {
		return nil, false
	}
	required := requiredFields[typ]
	ptr, _ := newMessage(typ)
	v := reflect.ValueOf(ptr).Elem()
	idx := fieldIndexes[typ]
	seen := 0
	for j, k := range keys {
		key := string(data[k.start:k.end]) // no allocation: a map index
		if key == "type" {
			continue
		}
		fi, ok := idx[key]
		if !ok {
			return nil, false
		}
		raw := data[vals[j].start:vals[j].end]
		f := v.Field(fi)
		switch {
		case f.Type() == rawMessageType:
			f.SetBytes(append([]byte(nil), raw...)) // Decode's result never aliases its input
		case f.Kind() == reflect.String:
			if raw[0] != '"' || !isSimpleString(raw) {
				return nil, false
			}
			f.SetString(string(raw[1 : len(raw)-1]))
		default:
			return nil, false
		}
		for _, r := range required {
			if r == key {
				seen++
			}
		}
	}
	if seen != len(required) {
		return nil, false // a required field is missing
	}
	m := deref(ptr)
	if m.validate() != nil {
		return nil, false
	}
	return m, true
}

// typeName returns the message type named by b, or "".
func typeName(b []byte) string {
	switch string(b) {
	case TypeSignal:
		return TypeSignal
	case TypeRoomSignal:
		return TypeRoomSignal
	case TypeJoinOrCreate:
		return TypeJoinOrCreate
	case TypeLeave:
		return TypeLeave
	case TypeHello:
		return TypeHello
	case TypeRoomJoin:
		return TypeRoomJoin
	case TypeRoomLeave:
		return TypeRoomLeave
	case TypeError:
		return TypeError
	case TypeJoined:
		return TypeJoined
	}
	return ""
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace (RFC 8259 §2).
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// isSimpleString reports whether b is a JSON string literal without escapes.
func isSimpleString(b []byte) bool { return scanSimpleString(b, 0) == len(b) }

// scanSimpleString returns the index after the string literal starting at
// data[i] ('"'), or -1 when it has an escape or is not a valid string.
func scanSimpleString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		c := data[j]
		if c == '"' {
			return j + 1
		}
		if c == '\\' || c < 0x20 {
			return -1
		}
	}
	return -1
}

// scanValue returns the index after the JSON value starting at data[i], or
// -1 when there is none (or it nests deeper than maxFastDepth). data is valid
// UTF-8.
func scanValue(data []byte, i, depth int) int {
	if i >= len(data) {
		return -1
	}
	switch c := data[i]; {
	case c == '{':
		return scanObject(data, i, depth+1)
	case c == '[':
		return scanArray(data, i, depth+1)
	case c == '"':
		return scanString(data, i)
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(data, i)
	case c == 't':
		return scanLiteral(data, i, "true")
	case c == 'f':
		return scanLiteral(data, i, "false")
	case c == 'n':
		return scanLiteral(data, i, "null")
	}
	return -1
}

func scanObject(data []byte, i, depth int) int {
	if depth > maxFastDepth {
		return -1
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return -1
		}
		if i = scanString(data, i); i < 0 {
			return -1
		}
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != ':' {
			return -1
		}
		if i = scanValue(data, skipSpace(data, i+1), depth); i < 0 {
			return -1
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return -1
		}
		switch data[i] {
		case '}':
			return i + 1
		case ',':
			i = skipSpace(data, i+1)
		default:
			return -1
		}
	}
}

func scanArray(data []byte, i, depth int) int {
	if depth > maxFastDepth {
		return -1
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1
	}
	for {
		if i = scanValue(data, i, depth); i < 0 {
			return -1
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return -1
		}
		switch data[i] {
		case ']':
			return i + 1
		case ',':
			i = skipSpace(data, i+1)
		default:
			return -1
		}
	}
}

// scanString returns the index after the string literal starting at data[i]
// ('"'), escapes allowed (RFC 8259 §7), or -1.
func scanString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			return j + 1
		case c < 0x20:
			return -1
		case c == '\\':
			j++
			if j >= len(data) {
				return -1
			}
			switch data[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(data) {
					return -1
				}
				for _, h := range data[j+1 : j+5] {
					if !isHex(h) {
						return -1
					}
				}
				j += 4
			default:
				return -1
			}
		}
	}
	return -1
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// scanNumber returns the index after the number starting at data[i]
// (RFC 8259 §6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?), or -1.
func scanNumber(data []byte, i int) int {
	if data[i] == '-' {
		i++
	}
	switch {
	case i >= len(data):
		return -1
	case data[i] == '0':
		i++
	case data[i] >= '1' && data[i] <= '9':
		i = skipDigits(data, i)
	default:
		return -1
	}
	if i < len(data) && data[i] == '.' {
		j := skipDigits(data, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := skipDigits(data, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func skipDigits(data []byte, i int) int {
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	return i
}

func scanLiteral(data []byte, i int, lit string) int {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}
