//go:build cgo

package softenc

// #cgo pkg-config: vpx
// #include <stdlib.h>
// #include <string.h>
// #include <vpx/vpx_encoder.h>
// #include <vpx/vp8cx.h>
//
// typedef struct {
//   vpx_codec_ctx_t ctx;
//   vpx_codec_enc_cfg_t cfg;
//   vpx_image_t img;
//   unsigned char *out;
//   size_t out_len, out_cap;
//   int keyframe;
// } vp8enc;
//
// static int vp8enc_open(vp8enc **pe, int w, int h, int fps, int kbps, int kf, int threads, int cpu_used) {
//   vp8enc *e = calloc(1, sizeof(vp8enc));
//   if (!e) return -1;
//   vpx_codec_enc_cfg_t cfg;
//   if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0)) { free(e); return -2; }
//   int frame_ms = 1000 / fps > 0 ? 1000 / fps : 1;
//   cfg.g_w = w; cfg.g_h = h;
//   cfg.g_timebase.num = 1; cfg.g_timebase.den = 90000;
//   cfg.g_threads = threads;
//   cfg.g_lag_in_frames = 0;
//   cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
//   cfg.g_pass = VPX_RC_ONE_PASS;
//   cfg.rc_end_usage = VPX_CBR;
//   cfg.rc_target_bitrate = kbps;
//   cfg.rc_min_quantizer = 2; cfg.rc_max_quantizer = 56;
//   cfg.rc_undershoot_pct = 100; cfg.rc_overshoot_pct = 15;
//   // A rate-control buffer of about one frame (libwebrtc: 1 s), so no frame,
//   // not even a key frame (capped by MAX_INTRA_BITRATE_PCT), floods a thin link.
//   cfg.rc_buf_initial_sz = frame_ms; cfg.rc_buf_optimal_sz = frame_ms; cfg.rc_buf_sz = 2 * frame_ms;
//   cfg.rc_dropframe_thresh = 0;
//   cfg.rc_resize_allowed = 0;
//   cfg.kf_mode = VPX_KF_AUTO; cfg.kf_min_dist = 0; cfg.kf_max_dist = kf;
//   e->cfg = cfg;
//   if (vpx_codec_enc_init(&e->ctx, vpx_codec_vp8_cx(), &e->cfg, 0)) { free(e); return -3; }
//   vpx_codec_control(&e->ctx, VP8E_SET_CPUUSED, cpu_used);
//   vpx_codec_control(&e->ctx, VP8E_SET_STATIC_THRESHOLD, 1);
//   vpx_codec_control(&e->ctx, VP8E_SET_NOISE_SENSITIVITY, 0);
//   vpx_codec_control(&e->ctx, VP8E_SET_TOKEN_PARTITIONS, threads > 1 ? VP8_TWO_TOKENPARTITION : VP8_ONE_TOKENPARTITION);
//   vpx_codec_control(&e->ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, 300);
//   vpx_img_wrap(&e->img, VPX_IMG_FMT_I420, w, h, 1, (unsigned char *)1);
//   *pe = e;
//   return 0;
// }
//
// // vp8enc_encode encodes one frame whose planes live in Go memory (not kept after
// // the call) and leaves the compressed frame in e->out.
// static int vp8enc_encode(vp8enc *e, unsigned char *y, unsigned char *u, unsigned char *v,
//                          int ys, int cs, long long pts, unsigned long dur, int force_kf) {
//   e->img.planes[VPX_PLANE_Y] = y; e->img.planes[VPX_PLANE_U] = u; e->img.planes[VPX_PLANE_V] = v;
//   e->img.stride[VPX_PLANE_Y] = ys; e->img.stride[VPX_PLANE_U] = cs; e->img.stride[VPX_PLANE_V] = cs;
//   vpx_codec_err_t err = vpx_codec_encode(&e->ctx, &e->img, pts, dur, force_kf ? VPX_EFLAG_FORCE_KF : 0, VPX_DL_REALTIME);
//   e->img.planes[0] = e->img.planes[1] = e->img.planes[2] = 0;
//   if (err) return -(int)err;
//   e->out_len = 0; e->keyframe = 0;
//   vpx_codec_iter_t it = NULL;
//   const vpx_codec_cx_pkt_t *pkt;
//   while ((pkt = vpx_codec_get_cx_data(&e->ctx, &it)) != NULL) {
//     if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
//     size_t need = e->out_len + pkt->data.frame.sz;
//     if (need > e->out_cap) {
//       unsigned char *n = realloc(e->out, need * 2);
//       if (!n) return -100;
//       e->out = n; e->out_cap = need * 2;
//     }
//     memcpy(e->out + e->out_len, pkt->data.frame.buf, pkt->data.frame.sz);
//     e->out_len = need;
//     if (pkt->data.frame.flags & VPX_FRAME_IS_KEY) e->keyframe = 1;
//   }
//   return 0;
// }
//
// // vp8enc_set_rate changes the target bitrate between two frames.
// static int vp8enc_set_rate(vp8enc *e, int kbps) {
//   e->cfg.rc_target_bitrate = kbps;
//   return -(int)vpx_codec_enc_config_set(&e->ctx, &e->cfg);
// }
//
// static void vp8enc_close(vp8enc *e) {
//   vpx_codec_destroy(&e->ctx);
//   free(e->out);
//   free(e);
// }
import "C"

import (
	"fmt"
	"image"
	"unsafe"

	"github.com/pion/mediadevices/pkg/io/video"
)

// newVP8Encoder drives libvpx directly, with the realtime knobs mediadevices
// does not expose: cpu-used (VP8E_SET_CPUUSED) and encoder threads, set like
// WebRTC's own VP8 encoder (CBR, no lag, error resilient, static threshold),
// but with a rate-control buffer of one to two frames instead of one second;
// the bitrate changes live (vpx_codec_enc_config_set).
func newVP8Encoder(r video.Reader, w, h, fps, bitrate, keyInterval, threads, cpuUsed int) (*frameEncoder, error) {
	var e *C.vp8enc
	if rc := C.vp8enc_open(&e, C.int(w), C.int(h), C.int(fps), C.int(max(1, bitrate/1000)), C.int(keyInterval), C.int(threads), C.int(cpuUsed)); rc != 0 {
		return nil, fmt.Errorf("libvpx VP8 encoder init failed (%d)", int(rc))
	}
	dur := C.ulong(90000 / max(1, fps)) // the frame rate rate control plans with
	encode := func(y *image.YCbCr, pts int64, key bool) ([]byte, error) {
		force := C.int(0)
		if key {
			force = 1
		}
		if rc := C.vp8enc_encode(e,
			(*C.uchar)(unsafe.Pointer(&y.Y[0])), (*C.uchar)(unsafe.Pointer(&y.Cb[0])), (*C.uchar)(unsafe.Pointer(&y.Cr[0])),
			C.int(y.YStride), C.int(y.CStride), C.longlong(pts), dur, force); rc != 0 {
			return nil, fmt.Errorf("failed (%d)", int(rc))
		}
		return C.GoBytes(unsafe.Pointer(e.out), C.int(e.out_len)), nil
	}
	setRate := func(bitrate int) error {
		if rc := C.vp8enc_set_rate(e, C.int(max(1, bitrate/1000))); rc != 0 {
			return fmt.Errorf("vpx_codec_enc_config_set failed (%d)", int(rc))
		}
		return nil
	}
	return newFrameEncoder("libvpx VP8", r, encode, setRate, func() { C.vp8enc_close(e) }), nil
}
