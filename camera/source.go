package camera

import (
	"context"
	"io"

	"github.com/pion/mediadevices/pkg/io/video"

	"github.com/pion/webrtc/v4/pkg/media"
)

// Format is what a viewer asked for and a source delivers.
type Format struct {
	Width, Height, FPS int
	Codec              string // "vp8"|"h264"
	Bitrate            int    // bit/s
	KeyframeInterval   int    // frames
}

// EncodedSource delivers already-encoded access units (pass-through: no re-encoding).
type EncodedSource interface {
	Codec() string // "h264" or "vp8"
	// Stream writes access units until ctx is done or the source fails; a sample's
	// Duration is its display time. Stream returns ctx.Err() after cancellation.
	Stream(ctx context.Context, f Format, write func(media.Sample) error) error
}

// FormatSupporter is implemented by sources that can tell which formats they can
// deliver (resolution, frame rate, codec). A source without it delivers only its
// Codec(), at any size the viewer asks for.
type FormatSupporter interface {
	SupportsFormat(f Format) error
}

// KeyFrameStreamer is implemented by sources that can produce a key frame on demand
// (RTCP PLI/FIR from the viewer, RFC 4585 §6.3.1). StreamKeyFrames is Stream with a
// channel on which the caller asks for key frames.
type KeyFrameStreamer interface {
	EncodedSource
	StreamKeyFrames(ctx context.Context, f Format, keyFrames <-chan struct{}, write func(media.Sample) error) error
}

// RawSource delivers raw frames (synthetic pattern, V4L2 camera) that the camera
// encodes in software (package camera/softenc, cgo only).
type RawSource interface {
	// Open starts capturing at f's size and frame rate. dropped is called with the
	// number of frames the source had to skip because it was read too late. The
	// closer stops the capture and makes a blocked Read return.
	Open(f Format, dropped func(n int)) (video.Reader, io.Closer, error)
	// SupportsFormat reports whether the source can deliver f's size and rate.
	SupportsFormat(f Format) error
}

// FrameCounter is implemented by sources that count their captured and encoded
// frames in the Metrics themselves (the software encoders). For any other source
// the session counts each sample that carries a picture (Duration > 0) as captured
// and encoded: a pass-through source's frames were encoded in hardware.
type FrameCounter interface {
	CountsFrames()
}
