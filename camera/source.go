package camera

import (
	"context"

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
