// Package softenc encodes a camera.RawSource in software (SPEC §3): VP8 with libvpx
// and H.264 with x264. Both need cgo; a binary built without cgo gets ErrNoCgo from
// New and keeps the pass-through sources.
//
// H.264: pion/mediadevices' x264 encoder hard-codes the High profile (the camera's
// SDP says Constrained Baseline 42e01f; Chromium copes, other browsers may not),
// leaves the frame rate unset and lets x264 print statistics to stderr. With
// WithH264Tuning (the default of cmd/camera) the package uses its own x264 binding:
// Constrained Baseline, "zerolatency" tune, ABR with a two-frame VBV and a bitrate that changes live, quiet. For VP8, mediadevices v0.9.4 exposes neither libvpx's
// cpu-used speed setting nor encoder threads (only the deadline, already
// "realtime"), so its encoder runs libvpx at its slowest realtime speed on one core
// (~31 ms of CPU per 1280×720 frame of full-frame motion measured here). With
// WithVP8Tuning the package uses its own small libvpx binding instead, configured
// like libwebrtc's VP8 encoder (CBR, no lag, error resilient, cpu-used -6 by
// default in cmd/camera): ~14–24 ms per 720p frame on the same machine. Threads do
// not pay on a busy two-core machine: libvpx's VP8 row synchronisation spins, and
// two threads cost 3–6× the CPU of one (BenchmarkEncode).
package softenc
