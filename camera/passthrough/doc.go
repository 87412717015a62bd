// Package passthrough holds the camera's already-encoded sources: video that
// arrives compressed and is handed to WebRTC without re-encoding (SPEC §3,
// thesis §4.6).
//
//   - [NewRpicam] runs `rpicam-vid` (or `libcamera-vid`) and passes the Raspberry
//     Pi's hardware H.264 stream through, one [media.Sample] per access unit.
//   - [NewFile] loops an H.264 Annex-B (.h264, .264) or IVF/VP8 (.ivf) clip,
//     paced at the clip's frame rate.
//
// Both implement camera.EncodedSource. The package also holds the parsers they
// need: an Annex-B NAL unit reader ([NALReader]), an access-unit assembler
// ([AccessUnitAssembler], ITU-T H.264 §7.4.1.2.3), an SPS parser for size and
// VUI timing ([ParseSPS], §7.3.2.1.1, Annex E) and an IVF reader ([IVFReader]).
// All of it builds without cgo, so the camera cross-compiles for the Pi
// (GOARCH=arm64, GOARCH=arm GOARM=7) with CGO_ENABLED=0.
//
// [media.Sample]: https://pkg.go.dev/github.com/pion/webrtc/v4/pkg/media#Sample
package passthrough
