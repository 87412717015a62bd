package gstreamer

import (
	"errors"
	"fmt"
	"image"
	"sync/atomic"

	"echtzeit/camera"
	"echtzeit/camera/synthetic"
)

// evFeederEnded is posted when the frame feeder stops on its own (an error).
type evFeederEnded struct{ err error }

// feeder pushes the synthetic source's frames (with the frame code) into the
// pipeline's appsrc in real time, on its own goroutine owned by the session. A
// push blocks while the encoder is busy, and webrtcbin holds its input until
// negotiation is done, so the session never waits for the feeder except after
// stopping the pipeline: stop, then peer.Stop (which releases a blocked push),
// then wait.
type feeder struct {
	formats chan camera.Format // a new size or rate, taken before the next frame
	stopped chan struct{}
	done    chan struct{}
}

// startFeeder starts pushing frames of format f (the appsrc's caps must be set).
func startFeeder(pc peer, f camera.Format, m *camera.Metrics, post func(any)) (*feeder, error) {
	r, err := newFrameReader(f, m)
	if err != nil {
		return nil, err
	}
	fd := &feeder{formats: make(chan camera.Format, 1), stopped: make(chan struct{}), done: make(chan struct{})}
	go fd.run(pc, r, m, post)
	return fd, nil
}

func newFrameReader(f camera.Format, m *camera.Metrics) (*synthetic.Reader, error) {
	return synthetic.NewReader(synthetic.Config{Width: f.Width, Height: f.Height, FPS: f.FPS, OnDropped: m.FramesDropped})
}

func (fd *feeder) run(pc peer, r *synthetic.Reader, m *camera.Metrics, post func(any)) {
	defer close(fd.done)
	var cur atomic.Pointer[synthetic.Reader] // the reader a stop must wake
	cur.Store(r)
	defer func() { _ = cur.Load().Close() }()
	go func() {
		select {
		case <-fd.stopped:
			_ = cur.Load().Close() // wakes a Read waiting for the next frame slot
		case <-fd.done:
		}
	}()
	for {
		select {
		case <-fd.stopped:
			return
		case f := <-fd.formats:
			nr, err := newFrameReader(f, m)
			if err == nil {
				err = pc.SetFormat(f.Width, f.Height, f.FPS)
			}
			if err != nil {
				post(evFeederEnded{err: err})
				return
			}
			_ = cur.Swap(nr).Close()
		default:
		}
		if err := fd.push(pc, cur.Load(), m); err != nil {
			if !errors.Is(err, synthetic.ErrClosed) && !errors.Is(err, ErrFlushing) {
				post(evFeederEnded{err: err})
			}
			return
		}
	}
}

// push reads the next frame and pushes it into the pipeline.
func (fd *feeder) push(pc peer, r *synthetic.Reader, m *camera.Metrics) error {
	img, release, err := r.Read()
	if err != nil {
		return err
	}
	defer release()
	yuv, ok := img.(*image.YCbCr)
	if !ok {
		return fmt.Errorf("synthetic source gave %T, want *image.YCbCr", img)
	}
	if err := pc.PushI420(yuv); err != nil {
		return err
	}
	m.FrameCaptured()
	return nil
}

// setFormat makes the feeder switch to f before its next frame.
func (fd *feeder) setFormat(f camera.Format) {
	select {
	case <-fd.formats: // an older request not yet taken
	default:
	}
	fd.formats <- f
}

// stop makes the feeder stop before its next frame; it does not wait.
func (fd *feeder) stop() {
	select {
	case <-fd.stopped:
	default:
		close(fd.stopped)
	}
}

// wait waits until the feeder goroutine has returned.
func (fd *feeder) wait() { <-fd.done }
