package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
)

// Message type names, as in the thesis (§4.4.2) and SPEC §2.
const (
	TypeHello        = "Hello"
	TypeJoined       = "Joined"
	TypeError        = "Error"
	TypeRoomJoin     = "Room/Join"
	TypeRoomLeave    = "Room/Leave"
	TypeRoomSignal   = "Room/Signal"
	TypeJoinOrCreate = "JoinOrCreate"
	TypeSignal       = "Signal"
	TypeLeave        = "Leave"
)

// Message is one signaling message. The concrete types are the structs of this
// package; Type returns the value of the message's "type" field.
type Message interface {
	Type() string
	// FromServer reports whether the server sends this message (true) or a peer
	// does (false).
	FromServer() bool
	validate() error
}

// Hello is the server's first message on a new connection.
type Hello struct {
	ID ParticipantID `json:"id"`
}

// Joined answers JoinOrCreate: the caller is now in Room together with Peers.
type Joined struct {
	Room  RoomID          `json:"room"`
	Peers []ParticipantID `json:"peers"`
}

// Error reports a refused request. Code is machine-readable (Code* constants).
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// RoomJoin tells the participants of a room that ID entered it. The receiver was in
// the room first and sends the SDP offer (§4.4.2).
type RoomJoin struct {
	ID ParticipantID `json:"id"`
}

// RoomLeave tells the participants of a room that ID left it.
type RoomLeave struct {
	ID ParticipantID `json:"id"`
}

// RoomSignal relays a Signal from participant From.
type RoomSignal struct {
	From   ParticipantID   `json:"from"`
	Signal json.RawMessage `json:"signal"`
}

// JoinOrCreate asks to enter Room, creating it when it does not exist.
type JoinOrCreate struct {
	Room RoomID `json:"room"`
}

// Signal sends an opaque JSON object to the other participants of the sender's
// room, or only to To when it is set.
type Signal struct {
	To     ParticipantID   `json:"to,omitempty"`
	Signal json.RawMessage `json:"signal"`
}

// Leave leaves the current room and keeps the connection (an extension of the
// thesis's protocol, to join another room).
type Leave struct{}

func (Hello) Type() string        { return TypeHello }
func (Joined) Type() string       { return TypeJoined }
func (Error) Type() string        { return TypeError }
func (RoomJoin) Type() string     { return TypeRoomJoin }
func (RoomLeave) Type() string    { return TypeRoomLeave }
func (RoomSignal) Type() string   { return TypeRoomSignal }
func (JoinOrCreate) Type() string { return TypeJoinOrCreate }
func (Signal) Type() string       { return TypeSignal }
func (Leave) Type() string        { return TypeLeave }

func (Hello) FromServer() bool        { return true }
func (Joined) FromServer() bool       { return true }
func (Error) FromServer() bool        { return true }
func (RoomJoin) FromServer() bool     { return true }
func (RoomLeave) FromServer() bool    { return true }
func (RoomSignal) FromServer() bool   { return true }
func (JoinOrCreate) FromServer() bool { return false }
func (Signal) FromServer() bool       { return false }
func (Leave) FromServer() bool        { return false }

func (m Hello) validate() error { return m.ID.Validate() }

func (m Joined) validate() error {
	if err := m.Room.Validate(); err != nil {
		return err
	}
	if m.Peers == nil {
		return errors.New(`missing field "peers"`)
	}
	for _, p := range m.Peers {
		if err := p.Validate(); err != nil {
			return err
		}
	}
	return nil
}

func (m Error) validate() error {
	if m.Code == "" {
		return errors.New(`field "code" must not be empty`)
	}
	return nil
}

func (m RoomJoin) validate() error     { return m.ID.Validate() }
func (m RoomLeave) validate() error    { return m.ID.Validate() }
func (m JoinOrCreate) validate() error { return m.Room.Validate() }
func (Leave) validate() error          { return nil }

func (m RoomSignal) validate() error {
	if err := m.From.Validate(); err != nil {
		return err
	}
	return validateSignalObject(m.Signal)
}

func (m Signal) validate() error {
	if m.To != "" {
		if err := m.To.Validate(); err != nil {
			return err
		}
	}
	return validateSignalObject(m.Signal)
}

func validateSignalObject(raw json.RawMessage) error {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return errors.New(`missing field "signal"`)
	}
	if trimmed[0] != '{' {
		return errors.New(`field "signal" must be a JSON object`)
	}
	return nil
}

// newMessage returns a pointer to a zero message of the given type.
func newMessage(typ string) (Message, bool) {
	switch typ {
	case TypeHello:
		return &Hello{}, true
	case TypeJoined:
		return &Joined{}, true
	case TypeError:
		return &Error{}, true
	case TypeRoomJoin:
		return &RoomJoin{}, true
	case TypeRoomLeave:
		return &RoomLeave{}, true
	case TypeRoomSignal:
		return &RoomSignal{}, true
	case TypeJoinOrCreate:
		return &JoinOrCreate{}, true
	case TypeSignal:
		return &Signal{}, true
	case TypeLeave:
		return &Leave{}, true
	}
	return nil, false
}

// requiredFields lists the fields that must be present per type ("type" aside).
var requiredFields = map[string][]string{
	TypeHello:        {"id"},
	TypeJoined:       {"room", "peers"},
	TypeError:        {"code", "message"},
	TypeRoomJoin:     {"id"},
	TypeRoomLeave:    {"id"},
	TypeRoomSignal:   {"from", "signal"},
	TypeJoinOrCreate: {"room"},
	TypeSignal:       {"signal"},
	TypeLeave:        nil,
}

// Decode parses one message strictly. It returns the message as a value of its
// concrete type (Hello, Joined, ..., never a pointer). Every error wraps
// ErrInvalidMessage; an unknown type also wraps ErrUnknownType, a bad ID ErrBadID.
func Decode(data []byte) (Message, error) {
	if m, ok := decodeFast(data); ok {
		return m, nil
	}
	m, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidMessage, err)
	}
	return m, nil
}

func decode(data []byte) (Message, error) {
	// JSON text is UTF-8 (RFC 8259 §8.1); encoding/json would pass invalid
	// bytes inside a json.RawMessage (a signal) through to the receiver.
	if !utf8.Valid(data) {
		return nil, errors.New("not UTF-8")
	}
	var fields map[string]json.RawMessage
	if err := unmarshalObject(data, &fields); err != nil {
		return nil, err
	}
	rawType, ok := fields["type"]
	if !ok {
		return nil, errors.New(`missing field "type"`)
	}
	typ, ok := unquoteSimple(rawType)
	if !ok {
		if err := json.Unmarshal(rawType, &typ); err != nil {
			return nil, errors.New(`field "type" must be a string`)
		}
	}
	ptr, ok := newMessage(typ)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownType, truncate(typ))
	}
	for _, f := range requiredFields[typ] {
		if _, ok := fields[f]; !ok {
			return nil, fmt.Errorf("%s: missing field %q", typ, f)
		}
	}
	if err := setFields(ptr, typ, fields); err != nil {
		return nil, err
	}
	m := deref(ptr)
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", typ, err)
	}
	return m, nil
}

// fieldIndexes maps each message type to its JSON field names and their struct
// field indexes. Built once from the struct tags; never changed after.
var fieldIndexes = func() map[string]map[string]int {
	out := make(map[string]map[string]int)
	for typ := range requiredFields {
		ptr, _ := newMessage(typ)
		t := reflect.TypeOf(ptr).Elem()
		idx := make(map[string]int, t.NumField())
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			idx[name] = i
		}
		out[typ] = idx
	}
	return out
}()

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// setFields decodes every field but "type" into the message ptr points to. Field
// names match exactly (encoding/json alone would also take "Room" for "room");
// a json.RawMessage field takes the bytes unmarshalObject already checked.
func setFields(ptr Message, typ string, fields map[string]json.RawMessage) error {
	v := reflect.ValueOf(ptr).Elem()
	idx := fieldIndexes[typ]
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		if key == "type" {
			continue
		}
		i, ok := idx[key]
		if !ok {
			return fmt.Errorf("%s: unknown field %q", typ, truncate(key))
		}
		f := v.Field(i)
		if f.Type() == rawMessageType {
			f.SetBytes(fields[key])
			continue
		}
		if f.Kind() == reflect.String {
			if str, ok := unquoteSimple(fields[key]); ok {
				f.SetString(str)
				continue
			}
		}
		if err := json.Unmarshal(fields[key], f.Addr().Interface()); err != nil {
			return fmt.Errorf("%s: field %q: %w", typ, key, err)
		}
	}
	return nil
}

// unmarshalObject decodes exactly one JSON object, rejecting duplicate keys and
// trailing data. encoding/json checks the whole input in one pass and fills
// the map (a later duplicate would silently win); countMembers then counts
// the object's keys on the bytes now known to be valid JSON.
func unmarshalObject(data []byte, out *map[string]json.RawMessage) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se) && strings.Contains(se.Error(), "after top-level value"):
			return errors.New("trailing data after the JSON object")
		case errors.As(err, &te):
			return errors.New("not a JSON object")
		}
		return fmt.Errorf("not JSON: %w", err)
	}
	if m == nil {
		return errors.New("not a JSON object") // null
	}
	if n, key := countMembers(data); n != len(m) {
		return fmt.Errorf("duplicate field %q", truncate(key))
	}
	*out = m
	return nil
}

// unquoteSimple returns the string a JSON string literal without escapes
// holds (IDs, type names, codes: the common case, without a decoder);
// false for anything else, which then goes through encoding/json.
func unquoteSimple(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c == '\\' || c == '"' || c < 0x20 {
			return "", false
		}
	}
	return string(body), true
}

// countMembers counts the members of the JSON object in data, which must be
// valid JSON, and returns the first key seen twice (unescaped keys only; an
// escaped duplicate is still counted).
func countMembers(data []byte) (int, string) {
	var (
		n, depth      int
		inString, esc bool
		key, start    = false, 0
		seen          map[string]bool
		dup           string
	)
	for i, c := range data {
		if inString {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inString = false
				if key {
					k := string(data[start:i])
					if seen == nil {
						seen = make(map[string]bool, 4)
					}
					if seen[k] && dup == "" {
						dup = k
					}
					seen[k] = true
					key = false
				}
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			start = i + 1
		case '{', '[':
			depth++
			key = depth == 1 && c == '{'
		case '}', ']':
			depth--
		case ',':
			key = depth == 1
		case ':':
			if depth == 1 {
				n++
			}
		}
	}
	return n, dup
}

func deref(m Message) Message {
	switch v := m.(type) {
	case *Hello:
		return *v
	case *Joined:
		return *v
	case *Error:
		return *v
	case *RoomJoin:
		return *v
	case *RoomLeave:
		return *v
	case *RoomSignal:
		return *v
	case *JoinOrCreate:
		return *v
	case *Signal:
		return *v
	case *Leave:
		return *v
	}
	return m
}

// Encode returns the JSON form of m with its "type" field. It validates m first, so
// a sender never puts a message on the wire that Decode would refuse.
func Encode(m Message) ([]byte, error) {
	if m == nil {
		return nil, errors.New("encode: nil message")
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.Type(), err)
	}
	body, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.Type(), err)
	}
	typ, _ := json.Marshal(m.Type())
	out := make([]byte, 0, len(body)+len(typ)+10)
	out = append(out, `{"type":`...)
	out = append(out, typ...)
	if len(body) > 2 { // not "{}"
		out = append(out, ',')
		out = append(out, body[1:]...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}
