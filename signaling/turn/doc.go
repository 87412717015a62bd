// Package turn is the TURN relay (RFC 8656) and STUN server (RFC 8489) that
// the signaling server can embed, built on pion/turn, together with the
// GET /iceservers handler that hands clients the ICE servers to use
// (W3C webrtc-pc RTCIceServer) with fresh time-limited credentials.
//
// Credentials follow the TURN REST API convention (draft-uberti-behave-turn-rest,
// coturn's use-auth-secret): the username is "EXPIRY:ID" with EXPIRY in Unix
// seconds, the password base64(HMAC-SHA1(secret, username)). A coturn with the
// same static-auth-secret accepts the same credentials, so an external relay
// (added with ICEConfig.Extra) and the embedded one are interchangeable.
package turn
