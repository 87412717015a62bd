// Thin C layer between Go and GStreamer's webrtcbin (package gstreamer). Go calls
// these functions from goroutines; GStreamer's threads call back into Go only
// through the ezgo* functions, which post events and return at once.
#ifndef EZGST_H
#define EZGST_H

#include <stdint.h>

typedef struct ez_peer ez_peer;

// Connection and gathering states are webrtcbin's enum values.
enum { EZ_BUS_ERROR = 1, EZ_BUS_WARNING = 2, EZ_BUS_EOS = 3 };

int ez_init(char **err);
const char *ez_version(void);

// ez_peer_new parses desc (gst-launch syntax). The pipeline must contain an
// element named "webrtc" (webrtcbin) and an element named "pay" (the RTP
// payloader that feeds it) and may contain "src" (appsrc) and "enc" (encoder).
ez_peer *ez_peer_new(uintptr_t id, const char *desc, const char *local_addrs, char **err);
int ez_peer_start(ez_peer *p, char **err);
// ez_peer_create_sdp creates an offer (offer != 0) or an answer, sets it as
// local description and returns its text (g_free it).
char *ez_peer_create_sdp(ez_peer *p, int offer, char **err);
int ez_peer_set_remote(ez_peer *p, int offer, const char *sdp, char **err);
void ez_peer_add_candidate(ez_peer *p, unsigned mline, const char *cand);
int ez_peer_set_caps(ez_peer *p, int width, int height, int fps, char **err);
int ez_peer_push_i420(ez_peer *p, const uint8_t *y, const uint8_t *u, const uint8_t *v,
                      int ystride, int cstride);
// ez_peer_set_encoder_int sets an integer (or unsigned) property of "enc".
int ez_peer_set_encoder_int(ez_peer *p, const char *prop, int value, char **err);
void ez_peer_force_key_frame(ez_peer *p);
// ez_peer_drain reports what happened since the last call: up to cap encode
// durations (ns) into durs (*ndurs of them), the frames encoded, and the frames
// and payload bytes handed to webrtcbin.
void ez_peer_drain(ez_peer *p, int64_t *durs, int cap, int *ndurs, int64_t *encoded, int64_t *sent, int64_t *bytes);
// ez_peer_stop sets the pipeline to NULL: a push blocked in the appsrc returns.
void ez_peer_stop(ez_peer *p);
// ez_peer_free stops the pipeline and frees it; no call may be running on p.
void ez_peer_free(ez_peer *p);

#endif
