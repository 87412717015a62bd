// Package softenc encodes a camera.RawSource in software with pion/mediadevices'
// codecs: VP8 with libvpx and H.264 with x264 (SPEC §3). Both need cgo; a binary
// built without cgo gets ErrNoCgo from New and keeps the pass-through sources.
//
// Encoder knobs: bitrate (CBR for VP8, ABR with a VBV for x264) and key frame
// interval. mediadevices v0.9.4 exposes neither libvpx's encoder threads nor its
// cpu-used speed setting (only the deadline, which is already "realtime"), so VP8
// runs on one core; x264 runs its own threads with the "veryfast" preset and the
// "zerolatency" tune, in the High profile that mediadevices hard-codes.
package softenc
