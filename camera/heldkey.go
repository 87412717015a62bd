package camera

import (
	"slices"

	"github.com/pion/webrtc/v4/pkg/media"
)

// A viewer's first picture waits for a key frame. Asked for when the viewer
// connects, it waits for the source's next frame (up to a frame interval)
// and its encoding (the most of a frame's time at 1280×720): 40–90 ms on a
// busy 2-core machine, the most of the setup's last phase at that size
// (DESIGN.md "Setup phases"). So while a feed has viewers and none of them
// is connected (warm: nobody receives its frames), it makes every frame a
// key frame and holds the newest; a viewer that connects gets it at once,
// and the encoder's next frame, which refers to it, follows on.

// warmKeyFrames is how many frames in a row a warm feed makes key frames:
// two seconds' worth, far longer than a connection takes (answer →
// connected is 30–100 ms). A viewer that joins and never connects then
// costs inter frames, as before warm feeds held key frames, and gets a key
// frame asked for if it connects after all.
func warmKeyFrames(f Format) int { return 2 * max(1, f.FPS) }

// heldKey is the newest key frame of a warm feed: its samples (parameter
// sets or other samples without a picture sent apart, then the picture),
// copied, since the encoder reuses its buffers. It belongs to its feed
// (feed.mu).
type heldKey struct {
	samples []media.Sample // the newest key frame, whole
	seq     uint64         // feed.seq of its picture
	next    []media.Sample // samples without a picture since: they open the next frame
}

// add takes the feed's sample number seq. Samples without a picture wait
// for the picture they open; a key picture makes them and itself the held
// frame; an inter picture ends holding (what follows refers to it).
func (h *heldKey) add(seq uint64, sample media.Sample, key, picture bool) {
	sample.Data = slices.Clone(sample.Data)
	switch {
	case !picture:
		h.next = append(h.next, sample)
	case key:
		h.samples, h.seq, h.next = append(h.next, sample), seq, nil
	default:
		h.clear()
	}
}

// take returns the held frame and the number of its picture, and clears
// it; nil when no key frame is held.
func (h *heldKey) take() ([]media.Sample, uint64) {
	samples, seq := h.samples, h.seq
	*h = heldKey{}
	return samples, seq
}

func (h *heldKey) clear() { *h = heldKey{} }

// warm says whether a feed's frames go to nobody yet: it has viewers and
// none is connected.
func warm(subs []*subscription) bool {
	for _, s := range subs {
		if s.active.Load() {
			return false
		}
	}
	return len(subs) > 0
}
