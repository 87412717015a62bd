// Package gstreamer is the thesis's own camera rebuilt for comparison (thesis §4.6,
// §5): a sender that streams with GStreamer's webrtcbin, as the thesis's Rust
// program did after GStreamer's "webrtc-sendrecv" example
// (videotestsrc ! vp8enc deadline=1 ! rtpvp8pay ! webrtcbin), but speaks this
// project's signaling protocol (SPEC §2) with the echtzeit camera's roles: it joins
// its room and waits, offers when it was in the room first and answers otherwise,
// and stays in the room for the next viewer after one leaves.
//
// One pipeline with one webrtcbin is built per viewer session. Its source is
// either GStreamer's videotestsrc or the project's synthetic frames with the frame
// code (camera/synthetic), pushed through an appsrc, so the viewer measures
// end-to-end latency for this sender too. The binding to GStreamer is a thin cgo
// layer (ezgst.c) behind the build constraint "cgo && !nogst": gst_parse_launch,
// webrtcbin's action signals with GstPromise, and its notification signals, which
// GStreamer emits on its own threads and which only post events to the session's
// mailbox. Without cgo (or with -tags nogst) New fails with ErrNotCompiled.
package gstreamer
