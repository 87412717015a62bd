//go:build cgo && !nogst

package gstreamer

/*
#cgo pkg-config: gstreamer-1.0 gstreamer-app-1.0 gstreamer-video-1.0 gstreamer-rtp-1.0 gstreamer-sdp-1.0 gstreamer-webrtc-1.0
#include <stdlib.h>
#include "ezgst.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/pion/webrtc/v4"
)

// Compiled reports whether this build has the GStreamer binding.
const Compiled = true

var (
	initOnce sync.Once
	initErr  error
)

// Init initialises GStreamer once per process.
func Init() error {
	initOnce.Do(func() {
		var cerr *C.char
		if C.ez_init(&cerr) != 0 {
			initErr = fmt.Errorf("%w: %s", ErrGStreamer, takeCString(cerr))
		}
	})
	return initErr
}

// Version is the GStreamer library version ("GStreamer 1.22.0").
func Version() string { return C.GoString(C.ez_version()) }

// GStreamer's threads call back with a peer's number only; peers maps it to the
// peer's event sink. It is the package's one piece of shared state, because a C
// callback can carry nothing else. A callback for a number that is gone (a peer
// being torn down) is dropped.
var (
	peers   sync.Map // uintptr → func(any)
	peerSeq atomic.Uintptr
)

func post(id C.uintptr_t, ev any) {
	if f, ok := peers.Load(uintptr(id)); ok {
		f.(func(any))(ev)
	}
}

//export ezgoNegotiationNeeded
func ezgoNegotiationNeeded(id C.uintptr_t) { post(id, evNegotiationNeeded{}) }

//export ezgoICECandidate
func ezgoICECandidate(id C.uintptr_t, mline C.unsigned, cand *C.char) {
	post(id, evLocalCandidate{mline: uint16(mline), candidate: C.GoString(cand)})
}

//export ezgoConnectionState
func ezgoConnectionState(id C.uintptr_t, state C.int) {
	// webrtcbin's GstWebRTCPeerConnectionState starts at new = 0; pion's at unknown = 0.
	post(id, evConnectionState{state: webrtc.PeerConnectionState(state + 1)})
}

//export ezgoGatheringState
func ezgoGatheringState(id C.uintptr_t, state C.int) {
	// GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE is 2.
	if state == 2 {
		post(id, evGatheringComplete{})
	}
}

//export ezgoBus
func ezgoBus(id C.uintptr_t, kind C.int, text *C.char) {
	post(id, evBus{kind: busKind(kind), text: C.GoString(text)})
}

func takeCString(s *C.char) string {
	if s == nil {
		return "unknown error"
	}
	defer C.free(unsafe.Pointer(s))
	return C.GoString(s)
}

// cpeer is a pipeline with a webrtcbin, built by gst_parse_launch.
type cpeer struct {
	id uintptr
	p  *C.ez_peer
}

// newPeer builds the pipeline desc. Events from GStreamer's threads go to events,
// which must not block. localAddrs, when not empty, are the only addresses ICE
// gathers on.
func newPeer(desc string, localAddrs []string, events func(any)) (peer, error) {
	if err := Init(); err != nil {
		return nil, err
	}
	id := peerSeq.Add(1)
	peers.Store(id, events)
	cdesc := C.CString(desc)
	defer C.free(unsafe.Pointer(cdesc))
	caddrs := C.CString(strings.Join(localAddrs, ","))
	defer C.free(unsafe.Pointer(caddrs))
	var cerr *C.char
	p := C.ez_peer_new(C.uintptr_t(id), cdesc, caddrs, &cerr)
	if p == nil {
		peers.Delete(id)
		return nil, fmt.Errorf("%w: %s", ErrPipeline, takeCString(cerr))
	}
	return &cpeer{id: id, p: p}, nil
}

func (c *cpeer) Start() error {
	var cerr *C.char
	if C.ez_peer_start(c.p, &cerr) != 0 {
		return fmt.Errorf("%w: %s", ErrPipeline, takeCString(cerr))
	}
	return nil
}

func (c *cpeer) CreateSDP(offer bool) (string, error) {
	var cerr *C.char
	s := C.ez_peer_create_sdp(c.p, cbool(offer), &cerr)
	if s == nil {
		return "", fmt.Errorf("%w: %s", ErrNegotiation, takeCString(cerr))
	}
	defer C.free(unsafe.Pointer(s))
	return C.GoString(s), nil
}

func (c *cpeer) SetRemote(offer bool, sdp string) error {
	cs := C.CString(sdp)
	defer C.free(unsafe.Pointer(cs))
	var cerr *C.char
	if C.ez_peer_set_remote(c.p, cbool(offer), cs, &cerr) != 0 {
		return fmt.Errorf("%w: %s", ErrNegotiation, takeCString(cerr))
	}
	return nil
}

func (c *cpeer) AddCandidate(mline uint16, candidate string) {
	cs := C.CString(candidate)
	defer C.free(unsafe.Pointer(cs))
	C.ez_peer_add_candidate(c.p, C.unsigned(mline), cs)
}

func (c *cpeer) SetFormat(width, height, fps int) error {
	var cerr *C.char
	if C.ez_peer_set_caps(c.p, C.int(width), C.int(height), C.int(fps), &cerr) != 0 {
		return fmt.Errorf("%w: %s", ErrPipeline, takeCString(cerr))
	}
	return nil
}

// GstFlowReturn values that PushI420 reports.
const (
	flowOK       = 0
	flowFlushing = -2
)

func (c *cpeer) PushI420(img *image.YCbCr) error {
	if len(img.Y) == 0 || len(img.Cb) == 0 || len(img.Cr) == 0 {
		return errors.New("push frame: empty planes")
	}
	r := C.ez_peer_push_i420(c.p,
		(*C.uint8_t)(unsafe.Pointer(&img.Y[0])), (*C.uint8_t)(unsafe.Pointer(&img.Cb[0])), (*C.uint8_t)(unsafe.Pointer(&img.Cr[0])),
		C.int(img.YStride), C.int(img.CStride))
	switch r {
	case flowOK:
		return nil
	case flowFlushing:
		return ErrFlushing
	}
	return fmt.Errorf("%w: push frame: flow return %d", ErrPipeline, int(r))
}

func (c *cpeer) SetBitrate(property string, value int) error {
	cp := C.CString(property)
	defer C.free(unsafe.Pointer(cp))
	var cerr *C.char
	if C.ez_peer_set_encoder_int(c.p, cp, C.int(value), &cerr) != 0 {
		return fmt.Errorf("%w: %s", ErrPipeline, takeCString(cerr))
	}
	return nil
}

func (c *cpeer) ForceKeyFrame() { C.ez_peer_force_key_frame(c.p) }

// encodeRing is the size of the C side's buffer of encode durations.
const encodeRing = 512

func (c *cpeer) Drain() counters {
	var out [encodeRing]C.int64_t
	var n C.int
	var encoded, sent, bytes C.int64_t
	C.ez_peer_drain(c.p, &out[0], encodeRing, &n, &encoded, &sent, &bytes)
	d := make([]time.Duration, 0, int(n))
	for _, v := range out[:int(n)] {
		d = append(d, time.Duration(v))
	}
	return counters{encoded: int64(encoded), encodeTimes: d, sent: int64(sent), bytes: int64(bytes)}
}

func (c *cpeer) Stop() { C.ez_peer_stop(c.p) }

func (c *cpeer) Close() {
	C.ez_peer_free(c.p)
	peers.Delete(c.id)
	c.p = nil
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
