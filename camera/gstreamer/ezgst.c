//go:build cgo && !nogst

// The C half of the webrtcbin binding; see ezgst.h and binding_cgo.go.
#define GST_USE_UNSTABLE_API
#include "ezgst.h"

#include <string.h>
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

// Go side (binding_cgo.go). They must not block.
extern void ezgoNegotiationNeeded(uintptr_t id);
extern void ezgoICECandidate(uintptr_t id, unsigned mline, char *candidate);
extern void ezgoConnectionState(uintptr_t id, int state);
extern void ezgoGatheringState(uintptr_t id, int state);
extern void ezgoBus(uintptr_t id, int kind, char *text);

#define EZ_PTS_RING 32
#define EZ_ENC_RING 512

struct ez_peer {
  uintptr_t id;
  GstElement *pipeline, *webrtc, *src, *enc, *pay;
  GstVideoInfo info;
  gboolean have_info;

  GMutex lock; // guards the counters below (streaming threads vs. ez_peer_drain)
  gint64 in_time[EZ_PTS_RING]; // entry times of frames not yet out of the encoder
  guint in_head, in_len;
  int64_t enc_ns[EZ_ENC_RING];
  int enc_n;
  int64_t encoded, sent, bytes;
};

static void set_err(char **err, const char *what, GError *e) {
  if (err == NULL) return;
  *err = g_strdup_printf("%s: %s", what, e != NULL ? e->message : "failed");
}

int ez_init(char **err) {
  GError *e = NULL;
  if (!gst_init_check(NULL, NULL, &e)) {
    set_err(err, "gst_init", e);
    g_clear_error(&e);
    return -1;
  }
  return 0;
}

const char *ez_version(void) { return gst_version_string(); }

static void on_negotiation_needed(GstElement *w, gpointer data) {
  (void)w;
  ezgoNegotiationNeeded(((ez_peer *)data)->id);
}

static void on_ice_candidate(GstElement *w, guint mline, gchar *cand, gpointer data) {
  (void)w;
  ezgoICECandidate(((ez_peer *)data)->id, mline, cand);
}

static void on_connection_state(GObject *o, GParamSpec *ps, gpointer data) {
  (void)ps;
  GstWebRTCPeerConnectionState s;
  g_object_get(o, "connection-state", &s, NULL);
  ezgoConnectionState(((ez_peer *)data)->id, (int)s);
}

static void on_gathering_state(GObject *o, GParamSpec *ps, gpointer data) {
  (void)ps;
  GstWebRTCICEGatheringState s;
  g_object_get(o, "ice-gathering-state", &s, NULL);
  ezgoGatheringState(((ez_peer *)data)->id, (int)s);
}

// on_bus forwards errors, warnings and end of stream to Go and drops every
// message: nobody pops this bus, so nothing may pile up on it.
static GstBusSyncReply on_bus(GstBus *bus, GstMessage *m, gpointer data) {
  (void)bus;
  ez_peer *p = data;
  GError *e = NULL;
  gchar *dbg = NULL;
  int kind = 0;
  switch (GST_MESSAGE_TYPE(m)) {
  case GST_MESSAGE_ERROR:
    gst_message_parse_error(m, &e, &dbg);
    kind = EZ_BUS_ERROR;
    break;
  case GST_MESSAGE_WARNING:
    gst_message_parse_warning(m, &e, &dbg);
    kind = EZ_BUS_WARNING;
    break;
  case GST_MESSAGE_EOS:
    kind = EZ_BUS_EOS;
    break;
  default:
    return GST_BUS_DROP;
  }
  gchar *text = g_strdup_printf("%s: %s (%s)", GST_OBJECT_NAME(GST_MESSAGE_SRC(m)),
                                e != NULL ? e->message : "end of stream", dbg != NULL ? dbg : "");
  ezgoBus(p->id, kind, text);
  g_free(text);
  g_free(dbg);
  g_clear_error(&e);
  return GST_BUS_DROP;
}

// enc_in remembers when each raw frame entered the encoder. The encoders used
// here emit frames in input order, one out per frame in (no B-frames, no frame
// dropping), so frames are matched first in, first out; output timestamps
// cannot be used (x264enc shifts them by 1000 hours).
static GstPadProbeReturn enc_in(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  (void)pad;
  (void)info;
  ez_peer *p = data;
  g_mutex_lock(&p->lock);
  if (p->in_len == EZ_PTS_RING) { // lost track: forget the oldest
    p->in_head = (p->in_head + 1) % EZ_PTS_RING;
    p->in_len--;
  }
  p->in_time[(p->in_head + p->in_len) % EZ_PTS_RING] = g_get_monotonic_time();
  p->in_len++;
  g_mutex_unlock(&p->lock);
  return GST_PAD_PROBE_OK;
}

// enc_out counts an encoded frame and how long the oldest frame in took.
static GstPadProbeReturn enc_out(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  (void)pad;
  (void)info;
  ez_peer *p = data;
  gint64 now = g_get_monotonic_time();
  g_mutex_lock(&p->lock);
  p->encoded++;
  if (p->in_len > 0) {
    gint64 d = now - p->in_time[p->in_head];
    p->in_head = (p->in_head + 1) % EZ_PTS_RING;
    p->in_len--;
    if (p->enc_n < EZ_ENC_RING) p->enc_ns[p->enc_n++] = d * 1000;
  }
  g_mutex_unlock(&p->lock);
  return GST_PAD_PROBE_OK;
}

static void count_rtp(ez_peer *p, GstBuffer *b, int64_t *frames, int64_t *bytes) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(b, GST_MAP_READ, &rtp)) return;
  if (gst_rtp_buffer_get_marker(&rtp)) (*frames)++;
  *bytes += gst_rtp_buffer_get_payload_len(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  (void)p;
}

static gboolean count_in_list(GstBuffer **b, guint idx, gpointer data) {
  (void)idx;
  int64_t *acc = data;
  count_rtp(NULL, *b, &acc[0], &acc[1]);
  return TRUE;
}

// pay_out counts the frames (RTP marker bit) and payload bytes handed to webrtcbin.
static GstPadProbeReturn pay_out(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  (void)pad;
  ez_peer *p = data;
  int64_t acc[2] = {0, 0};
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    gst_buffer_list_foreach(GST_PAD_PROBE_INFO_BUFFER_LIST(info), count_in_list, acc);
  else
    count_rtp(p, GST_PAD_PROBE_INFO_BUFFER(info), &acc[0], &acc[1]);
  g_mutex_lock(&p->lock);
  p->sent += acc[0];
  p->bytes += acc[1];
  g_mutex_unlock(&p->lock);
  return GST_PAD_PROBE_OK;
}

static void add_probe(GstElement *e, const char *pad, GstPadProbeType t, GstPadProbeCallback cb, ez_peer *p) {
  GstPad *pd = gst_element_get_static_pad(e, pad);
  if (pd == NULL) return;
  gst_pad_add_probe(pd, t, cb, p, NULL);
  gst_object_unref(pd);
}

static void add_local_addresses(GstElement *webrtc, const char *addrs) {
  GstWebRTCICE *ice = NULL;
  g_object_get(webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL) return;
  gchar **list = g_strsplit(addrs, ",", -1);
  for (gchar **a = list; *a != NULL; a++) {
    if (**a == '\0') continue;
    gboolean ok = FALSE;
    g_signal_emit_by_name(ice, "add-local-ip-address", *a, &ok);
  }
  g_strfreev(list);
  gst_object_unref(ice);
}

ez_peer *ez_peer_new(uintptr_t id, const char *desc, const char *local_addrs, char **err) {
  GError *e = NULL;
  GstElement *pipe = gst_parse_launch(desc, &e);
  if (pipe == NULL || e != NULL) {
    set_err(err, "parse pipeline", e);
    g_clear_error(&e);
    if (pipe != NULL) gst_object_unref(pipe);
    return NULL;
  }
  ez_peer *p = g_new0(ez_peer, 1);
  p->id = id;
  p->pipeline = pipe;
  g_mutex_init(&p->lock);
  p->webrtc = gst_bin_get_by_name(GST_BIN(pipe), "webrtc");
  p->pay = gst_bin_get_by_name(GST_BIN(pipe), "pay");
  p->src = gst_bin_get_by_name(GST_BIN(pipe), "src");
  p->enc = gst_bin_get_by_name(GST_BIN(pipe), "enc");
  if (p->webrtc == NULL || p->pay == NULL) {
    if (err != NULL) *err = g_strdup("pipeline needs elements named webrtc and pay");
    ez_peer_free(p);
    return NULL;
  }
  if (local_addrs != NULL && *local_addrs != '\0') add_local_addresses(p->webrtc, local_addrs);

  GstWebRTCRTPTransceiver *t = NULL;
  g_signal_emit_by_name(p->webrtc, "get-transceiver", 0, &t);
  if (t != NULL) {
    g_object_set(t, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, NULL);
    gst_object_unref(t);
  }
  g_signal_connect(p->webrtc, "on-negotiation-needed", G_CALLBACK(on_negotiation_needed), p);
  g_signal_connect(p->webrtc, "on-ice-candidate", G_CALLBACK(on_ice_candidate), p);
  g_signal_connect(p->webrtc, "notify::connection-state", G_CALLBACK(on_connection_state), p);
  g_signal_connect(p->webrtc, "notify::ice-gathering-state", G_CALLBACK(on_gathering_state), p);

  GstBus *bus = gst_element_get_bus(pipe);
  gst_bus_set_sync_handler(bus, on_bus, p, NULL);
  gst_object_unref(bus);

  if (p->enc != NULL) {
    add_probe(p->enc, "sink", GST_PAD_PROBE_TYPE_BUFFER, enc_in, p);
    add_probe(p->enc, "src", GST_PAD_PROBE_TYPE_BUFFER, enc_out, p);
  }
  add_probe(p->pay, "src", GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, pay_out, p);
  return p;
}

int ez_peer_start(ez_peer *p, char **err) {
  if (gst_element_set_state(p->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    if (err != NULL) *err = g_strdup("pipeline refused to start (see the bus errors)");
    return -1;
  }
  return 0;
}

// wait_reply waits for a promise and turns an "error" in its reply into *err.
static int wait_reply(GstPromise *pr, const char *what, char **err) {
  GstPromiseResult r = gst_promise_wait(pr);
  if (r != GST_PROMISE_RESULT_REPLIED) {
    if (err != NULL) *err = g_strdup_printf("%s: promise %s", what, r == GST_PROMISE_RESULT_INTERRUPTED ? "interrupted" : "expired");
    return -1;
  }
  const GstStructure *reply = gst_promise_get_reply(pr);
  GError *e = NULL;
  if (reply != NULL && gst_structure_has_field(reply, "error")) {
    gst_structure_get(reply, "error", G_TYPE_ERROR, &e, NULL);
    set_err(err, what, e);
    g_clear_error(&e);
    return -1;
  }
  return 0;
}

char *ez_peer_create_sdp(ez_peer *p, int offer, char **err) {
  const char *kind = offer ? "offer" : "answer";
  GstPromise *pr = gst_promise_new();
  g_signal_emit_by_name(p->webrtc, offer ? "create-offer" : "create-answer", NULL, pr);
  if (wait_reply(pr, offer ? "create-offer" : "create-answer", err) != 0) {
    gst_promise_unref(pr);
    return NULL;
  }
  GstWebRTCSessionDescription *desc = NULL;
  const GstStructure *reply = gst_promise_get_reply(pr);
  if (reply == NULL || !gst_structure_get(reply, kind, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL) || desc == NULL) {
    if (err != NULL) *err = g_strdup_printf("create-%s: no %s in the reply", kind, kind);
    gst_promise_unref(pr);
    return NULL;
  }
  gst_promise_unref(pr);
  pr = gst_promise_new();
  g_signal_emit_by_name(p->webrtc, "set-local-description", desc, pr);
  int rc = wait_reply(pr, "set-local-description", err);
  gst_promise_unref(pr);
  char *text = rc == 0 ? gst_sdp_message_as_text(desc->sdp) : NULL;
  gst_webrtc_session_description_free(desc);
  return text;
}

int ez_peer_set_remote(ez_peer *p, int offer, const char *sdp, char **err) {
  GstSDPMessage *msg = NULL;
  if (gst_sdp_message_new_from_text(sdp, &msg) != GST_SDP_OK) {
    if (err != NULL) *err = g_strdup("parse remote SDP: failed");
    return -1;
  }
  GstWebRTCSessionDescription *desc = gst_webrtc_session_description_new(
      offer ? GST_WEBRTC_SDP_TYPE_OFFER : GST_WEBRTC_SDP_TYPE_ANSWER, msg);
  GstPromise *pr = gst_promise_new();
  g_signal_emit_by_name(p->webrtc, "set-remote-description", desc, pr);
  int rc = wait_reply(pr, "set-remote-description", err);
  gst_promise_unref(pr);
  gst_webrtc_session_description_free(desc);
  return rc;
}

void ez_peer_add_candidate(ez_peer *p, unsigned mline, const char *cand) {
  g_signal_emit_by_name(p->webrtc, "add-ice-candidate", mline, cand);
}

int ez_peer_set_caps(ez_peer *p, int width, int height, int fps, char **err) {
  if (p->src == NULL) {
    if (err != NULL) *err = g_strdup("pipeline has no appsrc named src");
    return -1;
  }
  GstVideoInfo info;
  gst_video_info_init(&info);
  if (!gst_video_info_set_format(&info, GST_VIDEO_FORMAT_I420, width, height)) {
    if (err != NULL) *err = g_strdup_printf("video format %dx%d refused", width, height);
    return -1;
  }
  info.fps_n = fps;
  info.fps_d = 1;
  GstCaps *caps = gst_video_info_to_caps(&info);
  g_object_set(p->src, "caps", caps, NULL);
  gst_caps_unref(caps);
  p->info = info;
  p->have_info = TRUE;
  return 0;
}

int ez_peer_push_i420(ez_peer *p, const uint8_t *y, const uint8_t *u, const uint8_t *v, int ystride, int cstride) {
  if (p->src == NULL || !p->have_info) return GST_FLOW_NOT_NEGOTIATED;
  GstBuffer *buf = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(&p->info), NULL);
  GstVideoFrame f;
  if (!gst_video_frame_map(&f, &p->info, buf, GST_MAP_WRITE)) {
    gst_buffer_unref(buf);
    return GST_FLOW_ERROR;
  }
  const uint8_t *planes[3] = {y, u, v};
  int strides[3] = {ystride, cstride, cstride};
  for (int i = 0; i < 3; i++) {
    guint8 *dst = GST_VIDEO_FRAME_COMP_DATA(&f, i);
    int dstride = GST_VIDEO_FRAME_COMP_STRIDE(&f, i);
    int w = GST_VIDEO_FRAME_COMP_WIDTH(&f, i), h = GST_VIDEO_FRAME_COMP_HEIGHT(&f, i);
    for (int r = 0; r < h; r++) memcpy(dst + (gsize)r * dstride, planes[i] + (gsize)r * strides[i], w);
  }
  gst_video_frame_unmap(&f);
  return gst_app_src_push_buffer(GST_APP_SRC(p->src), buf);
}

int ez_peer_set_encoder_int(ez_peer *p, const char *prop, int value, char **err) {
  GParamSpec *ps = p->enc != NULL ? g_object_class_find_property(G_OBJECT_GET_CLASS(p->enc), prop) : NULL;
  if (ps == NULL) {
    if (err != NULL) *err = g_strdup_printf("encoder has no property %s", prop);
    return -1;
  }
  GValue v = G_VALUE_INIT;
  g_value_init(&v, G_TYPE_INT);
  g_value_set_int(&v, value);
  GValue conv = G_VALUE_INIT;
  g_value_init(&conv, ps->value_type);
  int rc = g_value_transform(&v, &conv) ? 0 : -1;
  if (rc == 0)
    g_object_set_property(G_OBJECT(p->enc), prop, &conv);
  else if (err != NULL)
    *err = g_strdup_printf("encoder property %s is not an integer", prop);
  g_value_unset(&v);
  g_value_unset(&conv);
  return rc;
}

void ez_peer_force_key_frame(ez_peer *p) {
  gst_element_send_event(p->pay, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

void ez_peer_drain(ez_peer *p, int64_t *durs, int cap, int *ndurs, int64_t *encoded, int64_t *sent, int64_t *bytes) {
  g_mutex_lock(&p->lock);
  int k = p->enc_n < cap ? p->enc_n : cap;
  memcpy(durs, p->enc_ns, sizeof(int64_t) * k);
  *ndurs = k;
  *encoded = p->encoded;
  *sent = p->sent;
  *bytes = p->bytes;
  p->enc_n = 0;
  p->encoded = 0;
  p->sent = 0;
  p->bytes = 0;
  g_mutex_unlock(&p->lock);
}

void ez_peer_stop(ez_peer *p) {
  if (p != NULL && p->pipeline != NULL) gst_element_set_state(p->pipeline, GST_STATE_NULL);
}

void ez_peer_free(ez_peer *p) {
  if (p == NULL) return;
  if (p->pipeline != NULL) {
    gst_element_set_state(p->pipeline, GST_STATE_NULL);
    GstBus *bus = gst_element_get_bus(p->pipeline);
    gst_bus_set_sync_handler(bus, NULL, NULL, NULL);
    gst_object_unref(bus);
  }
  if (p->webrtc != NULL) {
    g_signal_handlers_disconnect_by_data(p->webrtc, p);
    gst_object_unref(p->webrtc);
  }
  if (p->pay != NULL) gst_object_unref(p->pay);
  if (p->src != NULL) gst_object_unref(p->src);
  if (p->enc != NULL) gst_object_unref(p->enc);
  if (p->pipeline != NULL) gst_object_unref(p->pipeline);
  g_mutex_clear(&p->lock);
  g_free(p);
}
