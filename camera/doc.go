// Package camera is the camera program of echtzeit (thesis §4.6): it joins a fixed
// room on the signaling server and streams video over WebRTC (pion/webrtc) to the
// viewer that joins the room, then waits for the next viewer.
//
// Sources are either raw (synthetic test pattern, V4L2 cameras; encoded here in
// software with libvpx or x264 through pion/mediadevices, cgo only) or already
// encoded (EncodedSource, e.g. the pass-through sources in camera/passthrough).
package camera
