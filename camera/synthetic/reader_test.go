package synthetic

import (
	"image"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera/framecode"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"160x90", Config{Width: 160, Height: 90, FPS: 15}, true},
		{"1920x1080@60", Config{Width: 1920, Height: 1080, FPS: 60}, true},
		{"odd width", Config{Width: 161, Height: 90, FPS: 15}, false},
		{"too small", Config{Width: 8, Height: 90, FPS: 15}, false},
		{"too big", Config{Width: 7680, Height: 4320, FPS: 15}, false},
		{"zero fps", Config{Width: 640, Height: 480}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

// fakeClock advances by step on every call.
type fakeClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.step)
	return t
}

func TestReaderFramesCarryTheCode(t *testing.T) {
	for _, size := range []struct{ w, h int }{{160, 90}, {640, 480}, {1280, 720}} {
		// A clock that moves one frame interval per Read, so no slot is ever late
		// however slow the machine (or the race detector) is.
		clock := &fakeClock{t: time.UnixMilli(1_764_000_000_000)}
		r, err := NewReader(Config{Width: size.w, Height: size.h, FPS: 10, Now: clock.now})
		require.NoError(t, err)
		for i := range 5 {
			img, release, err := r.Read()
			require.NoError(t, err)
			require.Equal(t, image.Rect(0, 0, size.w, size.h), img.Bounds())
			c, err := framecode.Decode(img)
			require.NoError(t, err)
			assert.Equal(t, uint16(i), c.Frame)
			assert.Equal(t, time.Duration(0), c.Latency(clock.t), "capture time is the clock's")
			release()
			clock.mu.Lock()
			clock.t = clock.t.Add(100 * time.Millisecond)
			clock.mu.Unlock()
		}
		require.NoError(t, r.Close())
	}
}

func TestReaderMoves(t *testing.T) {
	r, err := NewReader(Config{Width: 320, Height: 180, FPS: 100})
	require.NoError(t, err)
	defer r.Close()
	a, _, err := r.Read()
	require.NoError(t, err)
	first := append([]byte(nil), a.(*image.YCbCr).Y...)
	b, _, err := r.Read()
	require.NoError(t, err)
	assert.NotEqual(t, first[len(first)/2:], b.(*image.YCbCr).Y[len(first)/2:], "the pattern below the code must move")
}

func TestReaderSkipsLateSlots(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0), step: 0}
	var dropped int
	r, err := NewReader(Config{Width: 64, Height: 48, FPS: 10, Now: clock.now, OnDropped: func(n int) { dropped += n }})
	require.NoError(t, err)
	defer r.Close()
	img, _, err := r.Read() // slot 0 at t=0
	require.NoError(t, err)
	c, err := framecode.Decode(img)
	require.NoError(t, err)
	assert.Equal(t, uint16(0), c.Frame)

	clock.mu.Lock()
	clock.t = clock.t.Add(350 * time.Millisecond) // slot 1 was due at 100 ms; 3.5 slots late
	clock.mu.Unlock()
	img, _, err = r.Read()
	require.NoError(t, err)
	c, err = framecode.Decode(img)
	require.NoError(t, err)
	assert.Equal(t, uint16(3), c.Frame, "slots 1 and 2 are skipped")
	assert.Equal(t, 2, dropped)
}

func TestReaderCloseUnblocks(t *testing.T) {
	r, err := NewReader(Config{Width: 64, Height: 48, FPS: 1})
	require.NoError(t, err)
	_, _, err = r.Read()
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() {
		_, _, err := r.Read() // waits ~1 s for the next slot
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, r.Close())
	select {
	case err := <-errc:
		require.ErrorIs(t, err, ErrClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("Read did not return after Close")
	}
}

func BenchmarkDraw720p(b *testing.B) {
	r, err := NewReader(Config{Width: 1280, Height: 720, FPS: 30})
	require.NoError(b, err)
	img := r.buffer()
	for i := 0; b.Loop(); i++ {
		r.draw(img, uint64(i))
	}
}
