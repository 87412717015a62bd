// Package protocol defines the signaling messages of echtzeit (SPEC §2, thesis
// §4.4.2 – §4.4.4): typed Go values for every message, one strict decoder shared by
// the server and its clients, and the participant and room ID formats.
//
// Every message is one JSON object with a "type" field that keeps the thesis's
// names ("Hello", "Room/Join", ...). Decode rejects anything that is not exactly one
// of those messages: unknown types, unknown or duplicate fields, fields of the wrong
// kind and malformed IDs are all errors.
package protocol
