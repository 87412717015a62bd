//go:build cgo

package softenc

// #cgo pkg-config: x264
// #include <stdint.h>
// #include <stdlib.h>
// #include <string.h>
// #include <x264.h>
//
// typedef struct {
//   x264_t *h;
//   x264_picture_t pic;
//   unsigned char *out;
//   int out_len, out_cap;
// } h264enc;
//
// static int h264enc_open(h264enc **pe, int w, int h, int fps, int kbps, int vbv_kbit, int kf, int threads, const char *preset) {
//   h264enc *e = calloc(1, sizeof(h264enc));
//   if (!e) return -1;
//   x264_param_t p;
//   if (x264_param_default_preset(&p, preset, "zerolatency") < 0) { free(e); return -2; }
//   p.i_log_level = X264_LOG_ERROR;
//   p.i_csp = X264_CSP_I420;
//   p.i_width = w; p.i_height = h;
//   p.i_fps_num = fps; p.i_fps_den = 1;
//   p.i_timebase_num = 1; p.i_timebase_den = 90000;
//   // Constant frame rate for the rate control, as the VP8 binding plans with:
//   // with variable-frame-rate input x264 holds every frame back until the
//   // next one arrives (it needs the next timestamp for this frame's
//   // duration), one frame interval of latency (33 ms at 30 fps) that VP8
//   // does not have (x264_encoder_maximum_delayed_frames: 1 with, 0 without).
//   p.b_vfr_input = 0;
//   p.i_keyint_max = kf; p.i_keyint_min = kf; p.b_intra_refresh = 0;
//   p.i_threads = threads;
//   p.rc.i_rc_method = X264_RC_ABR;
//   p.rc.i_bitrate = kbps;
//   p.rc.i_vbv_max_bitrate = kbps;
//   p.rc.i_vbv_buffer_size = vbv_kbit;
//   p.b_repeat_headers = 1;
//   p.b_annexb = 1;
//   p.b_aud = 0;
//   if (x264_param_apply_profile(&p, "baseline") < 0) { free(e); return -3; }
//   e->h = x264_encoder_open(&p);
//   if (!e->h) { free(e); return -4; }
//   x264_picture_init(&e->pic);
//   e->pic.img.i_csp = X264_CSP_I420;
//   e->pic.img.i_plane = 3;
//   *pe = e;
//   return 0;
// }
//
// // h264enc_encode encodes one frame whose planes live in Go memory (not kept after
// // the call) and leaves the Annex-B access unit in e->out.
// static int h264enc_encode(h264enc *e, unsigned char *y, unsigned char *u, unsigned char *v,
//                           int ys, int cs, int64_t pts, int idr) {
//   e->pic.img.plane[0] = y; e->pic.img.plane[1] = u; e->pic.img.plane[2] = v;
//   e->pic.img.i_stride[0] = ys; e->pic.img.i_stride[1] = cs; e->pic.img.i_stride[2] = cs;
//   e->pic.i_pts = pts;
//   e->pic.i_type = idr ? X264_TYPE_IDR : X264_TYPE_AUTO;
//   x264_nal_t *nals; int n;
//   x264_picture_t out;
//   int size = x264_encoder_encode(e->h, &nals, &n, &e->pic, &out);
//   e->pic.img.plane[0] = e->pic.img.plane[1] = e->pic.img.plane[2] = 0;
//   if (size < 0) return size;
//   if (size > e->out_cap) {
//     unsigned char *b = realloc(e->out, size * 2);
//     if (!b) return -100;
//     e->out = b; e->out_cap = size * 2;
//   }
//   if (size > 0) memcpy(e->out, nals[0].p_payload, size); // the NALs are contiguous
//   e->out_len = size;
//   return 0;
// }
//
// // h264enc_set_rate changes the target bitrate and the VBV with it (the same
// // time at the new bitrate) between two frames. With a VBV of one frame x264
// // undershoots its target by a quarter, with two by 9 % (640x360 at 300 kbit/s
// // and 1.2 Mbit/s, TestBitrateFollowsTarget).
// static int h264enc_set_rate(h264enc *e, int kbps, int vbv_kbit) {
//   x264_param_t p;
//   x264_encoder_parameters(e->h, &p);
//   p.rc.i_bitrate = kbps;
//   p.rc.i_vbv_max_bitrate = kbps;
//   p.rc.i_vbv_buffer_size = vbv_kbit;
//   return x264_encoder_reconfig(e->h, &p);
// }
//
// static void h264enc_close(h264enc *e) {
//   x264_encoder_close(e->h);
//   free(e->out);
//   free(e);
// }
import "C"

import (
	"fmt"
	"image"
	"time"
	"unsafe"

	"github.com/pion/mediadevices/pkg/io/video"
)

// newH264Encoder drives x264 directly: Constrained Baseline (what the camera's
// SDP announces, profile-level-id 42e01f), "zerolatency" tune, ABR with a VBV
// of vbv at the bitrate (options.h264VBV; the bitrate changes live through
// x264_encoder_reconfig, the VBV keeping its time), x264's log quiet but for
// errors. mediadevices' x264 encoder
// hard-codes the High profile, leaves the frame rate unset and logs statistics
// to stderr. Each frame is an Annex-B access unit, with SPS and PPS before
// every IDR picture.
func newH264Encoder(r video.Reader, w, h, fps, bitrate, keyInterval, threads int, preset string, vbv time.Duration) (*frameEncoder, error) {
	cp := C.CString(preset)
	defer C.free(unsafe.Pointer(cp))
	vbvKbit := func(kbps int) int { return max(1, int(int64(kbps)*vbv.Milliseconds()/1000)) }
	kbps := max(1, bitrate/1000)
	var e *C.h264enc
	if rc := C.h264enc_open(&e, C.int(w), C.int(h), C.int(fps), C.int(kbps), C.int(vbvKbit(kbps)), C.int(keyInterval), C.int(threads), cp); rc != 0 {
		return nil, fmt.Errorf("x264 encoder init failed (%d)", int(rc))
	}
	encode := func(y *image.YCbCr, pts int64, key bool) ([]byte, error) {
		idr := C.int(0)
		if key {
			idr = 1
		}
		if rc := C.h264enc_encode(e,
			(*C.uchar)(unsafe.Pointer(&y.Y[0])), (*C.uchar)(unsafe.Pointer(&y.Cb[0])), (*C.uchar)(unsafe.Pointer(&y.Cr[0])),
			C.int(y.YStride), C.int(y.CStride), C.int64_t(pts), idr); rc != 0 {
			return nil, fmt.Errorf("failed (%d)", int(rc))
		}
		return C.GoBytes(unsafe.Pointer(e.out), e.out_len), nil
	}
	setRate := func(bitrate int) error {
		kbps := max(1, bitrate/1000)
		if rc := C.h264enc_set_rate(e, C.int(kbps), C.int(vbvKbit(kbps))); rc < 0 {
			return fmt.Errorf("x264_encoder_reconfig failed (%d)", int(rc))
		}
		return nil
	}
	return newFrameEncoder("x264", r, encode, setRate, func() { C.h264enc_close(e) }), nil
}
