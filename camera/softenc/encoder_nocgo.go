//go:build !cgo

package softenc

import (
	"context"
	"log/slog"

	"github.com/pion/webrtc/v4/pkg/media"

	"echtzeit/camera"
)

// New fails: software encoding needs cgo.
func New(camera.RawSource, string, *slog.Logger, *camera.Metrics, ...Option) (*Source, error) {
	return nil, ErrNoCgo
}

// Stream fails: software encoding needs cgo.
func (s *Source) Stream(context.Context, camera.Format, func(media.Sample) error) error {
	return ErrNoCgo
}

// StreamKeyFrames fails: software encoding needs cgo.
func (s *Source) StreamKeyFrames(context.Context, camera.Format, <-chan struct{}, func(media.Sample) error) error {
	return ErrNoCgo
}

// StreamRates fails: software encoding needs cgo.
func (s *Source) StreamRates(context.Context, camera.Format, <-chan struct{}, <-chan int, func(media.Sample) error) error {
	return ErrNoCgo
}
