package synthetic

import (
	"fmt"
	"image"
	"io"
	"sync"
	"time"

	"github.com/pion/mediadevices/pkg/io/video"

	"echtzeit/camera/framecode"
)

// Limits of the pattern generator.
const (
	MinWidth, MinHeight = 16, 12
	MaxWidth, MaxHeight = 3840, 2160
	MaxFPS              = 120
)

// ErrClosed is returned by Read after Close.
var ErrClosed = fmt.Errorf("synthetic source closed: %w", io.EOF)

// Config describes the frames a Reader produces.
type Config struct {
	Width, Height, FPS int
	// Now is the clock (time.Now when nil); tests inject their own.
	Now func() time.Time
	// OnDropped is called with the number of frame slots skipped because the reader
	// was read too late (the encoder did not keep up). Their frame numbers are
	// skipped too, so a viewer sees the gap.
	OnDropped func(n int)
}

// Validate checks the size and the frame rate.
func (c Config) Validate() error {
	switch {
	case c.Width < MinWidth || c.Width > MaxWidth || c.Width%2 != 0:
		return fmt.Errorf("'width' must be even and within %d–%d, got %d", MinWidth, MaxWidth, c.Width)
	case c.Height < MinHeight || c.Height > MaxHeight || c.Height%2 != 0:
		return fmt.Errorf("'height' must be even and within %d–%d, got %d", MinHeight, MaxHeight, c.Height)
	case c.FPS < 1 || c.FPS > MaxFPS:
		return fmt.Errorf("'fps' must be within 1–%d, got %d", MaxFPS, c.FPS)
	}
	return nil
}

// Reader produces I420 frames of the moving pattern in real time: Read blocks until
// the next frame is due. It implements video.Reader.
type Reader struct {
	cfg      Config
	interval time.Duration
	line     []byte // one period of the luma ramp, twice, for copying windows
	chroma   []byte

	mu    sync.Mutex // guards free
	free  []*image.YCbCr
	done  chan struct{}
	close sync.Once

	start time.Time
	next  uint64 // number of the next frame slot
}

var _ video.Reader = (*Reader)(nil)

// period of the moving stripes in pixels.
const period = 256

// NewReader returns a Reader for cfg.
func NewReader(cfg Config) (*Reader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("synthetic source: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &Reader{
		cfg:      cfg,
		interval: time.Second / time.Duration(cfg.FPS),
		done:     make(chan struct{}),
	}
	// A triangle ramp 16..235..16 over one period, repeated so that any window of
	// the frame's width can be copied out of it.
	n := period + cfg.Width
	r.line = make([]byte, n)
	r.chroma = make([]byte, period+cfg.Width/2)
	for i := range r.line {
		p := i % period
		if p >= period/2 {
			p = period - 1 - p
		}
		r.line[i] = byte(16 + p*219/(period/2-1))
	}
	for i := range r.chroma {
		p := i % period
		if p >= period/2 {
			p = period - 1 - p
		}
		r.chroma[i] = byte(64 + p)
	}
	return r, nil
}

// Read waits for the next frame slot, draws the frame and returns it. The returned
// release gives the buffer back for reuse.
func (r *Reader) Read() (image.Image, func(), error) {
	now := r.cfg.Now()
	if r.start.IsZero() {
		r.start = now
	}
	due := r.start.Add(time.Duration(r.next) * r.interval)
	if late := now.Sub(due); late >= r.interval {
		// Behind by at least one whole frame: skip the missed slots.
		skip := uint64(late / r.interval)
		r.next += skip
		due = due.Add(time.Duration(skip) * r.interval)
		if r.cfg.OnDropped != nil {
			r.cfg.OnDropped(int(skip))
		}
	}
	if wait := due.Sub(now); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-r.done:
			t.Stop()
			return nil, nil, ErrClosed
		}
	}
	select {
	case <-r.done:
		return nil, nil, ErrClosed
	default:
	}
	img := r.buffer()
	n := r.next
	r.next++
	r.draw(img, n)
	if err := framecode.Encode(img, framecode.New(n, r.cfg.Now())); err != nil {
		r.put(img)
		return nil, nil, fmt.Errorf("synthetic frame %d: %w", n, err)
	}
	return img, func() { r.put(img) }, nil
}

// Close makes pending and later Reads return ErrClosed.
func (r *Reader) Close() error {
	r.close.Do(func() { close(r.done) })
	return nil
}

func (r *Reader) buffer() *image.YCbCr {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k := len(r.free); k > 0 {
		img := r.free[k-1]
		r.free = r.free[:k-1]
		return img
	}
	return image.NewYCbCr(image.Rect(0, 0, r.cfg.Width, r.cfg.Height), image.YCbCrSubsampleRatio420)
}

func (r *Reader) put(img *image.YCbCr) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.free) < 4 {
		r.free = append(r.free, img)
	}
}

// draw paints frame n: diagonal luma stripes that move 4 px per frame (full-frame
// motion, the encoder's hard case) over chroma bands that drift the other way.
func (r *Reader) draw(img *image.YCbCr, n uint64) {
	w, h := r.cfg.Width, r.cfg.Height
	shift := int(n * 4 % period)
	for y := range h {
		off := (shift + y/2) % period
		copy(img.Y[y*img.YStride:y*img.YStride+w], r.line[off:off+w])
	}
	cw, ch := (w+1)/2, (h+1)/2
	cshift := period - int(n*2%period)
	for y := range ch {
		off := (cshift + y) % period
		copy(img.Cb[y*img.CStride:y*img.CStride+cw], r.chroma[off:off+cw])
		v := byte(96 + y*64/ch)
		row := img.Cr[y*img.CStride : y*img.CStride+cw]
		for i := range row {
			row[i] = v
		}
	}
}
