//go:build cgo

package softenc

import (
	"image"
	"testing"
	"time"

	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"echtzeit/camera"
	"echtzeit/camera/synthetic"
)

// TestKeyFrameForTheAwaitedFrame: each frame comes out of the encoder as it
// goes in (no frame of delay), and a key frame asked for while the encoder
// waits for the source's next frame makes that very frame a key frame (a
// viewer's first picture, or the answer to a PLI, does not wait out one more
// frame interval).
func TestKeyFrameForTheAwaitedFrame(t *testing.T) {
	for _, codec := range []string{camera.CodecVP8, camera.CodecH264} {
		t.Run(codec, func(t *testing.T) {
			f := camera.Format{Width: 320, Height: 240, FPS: 30, Codec: codec, Bitrate: 300_000, KeyframeInterval: 1000}
			src, err := synthetic.NewReader(synthetic.Config{Width: f.Width, Height: f.Height, FPS: f.FPS})
			require.NoError(t, err)
			defer src.Close()
			waiting, release := make(chan struct{}, 1), make(chan struct{})
			gated := video.ReaderFunc(func() (image.Image, func(), error) {
				waiting <- struct{}{}
				<-release
				return src.Read()
			})
			var enc *frameEncoder
			if codec == camera.CodecVP8 {
				enc, err = newVP8Encoder(gated, f.Width, f.Height, f.FPS, f.Bitrate, f.KeyframeInterval, 1, 8)
			} else {
				enc, err = newH264Encoder(gated, f.Width, f.Height, f.FPS, f.Bitrate, f.KeyframeInterval, 0, "veryfast", 0)
			}
			require.NoError(t, err)
			defer enc.Close()
			keyFrames := make(chan struct{}, 1)
			stop := forwardKeyFrames(keyFrames, enc)
			defer stop()

			type result struct {
				data []byte
				err  error
			}
			read := func() <-chan result {
				out := make(chan result, 1)
				go func() {
					data, release, err := enc.Read()
					out <- result{append([]byte(nil), data...), err}
					release()
				}()
				return out
			}
			frame := func(r <-chan result) []byte {
				<-waiting
				release <- struct{}{}
				got := <-r
				require.NoError(t, got.err)
				return got.data
			}
			assert.True(t, isKeyFrame(codec, frame(read())), "the first frame comes out at once, a key frame")
			assert.False(t, isKeyFrame(codec, frame(read())), "the second is not")

			next := read()
			<-waiting // the encoder waits for the source
			keyFrames <- struct{}{}
			require.Eventually(t, func() bool {
				enc.mu.Lock()
				defer enc.mu.Unlock()
				return enc.forceKey
			}, 10*time.Second, time.Millisecond, "the request reaches the encoder while it waits")
			release <- struct{}{}
			got := <-next
			require.NoError(t, got.err)
			assert.True(t, isKeyFrame(codec, got.data), "the awaited frame is the key frame")
		})
	}
}
