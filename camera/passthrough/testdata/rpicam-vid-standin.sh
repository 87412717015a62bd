#!/bin/sh
# Stand-in for rpicam-vid in tests: writes a real H.264 Annex-B stream to stdout,
# made by ffmpeg (libx264, constrained baseline, level 4.1, SPS/PPS before every
# I-frame like rpicam-vid --inline, one I-frame every --intra frames), at real
# time (-re), honouring --width --height --framerate -b/--bitrate --intra. Like
# the Pi's hardware encoder it keeps to its bitrate (a one-second VBV: ABR alone
# overshoots a low -b for seconds).
# Every other rpicam-vid argument is accepted and ignored.
#
# Test knobs (environment):
#   STANDIN_FRAMES=N   stop after N frames (default: run until killed)
#   STANDIN_FAIL=msg   print msg to stderr and exit 3 at once (a crashed camera)
#   STANDIN_FAIL_AFTER=N  after N frames print "camera fault" to stderr, exit 4
#   STANDIN_PIDFILE=path  write the PID of the process that writes the stream
set -eu

width=640 height=480 fps=30 bitrate=1000000 intra=30
while [ $# -gt 0 ]; do
	case "$1" in
	--width) width=$2; shift ;;
	--height) height=$2; shift ;;
	--framerate) fps=$2; shift ;;
	-b | --bitrate) bitrate=$2; shift ;;
	--intra | -g) intra=$2; shift ;;
	-t | --timeout | --codec | --profile | --level | -o | --output) shift ;;
	esac
	shift
done

if [ -n "${STANDIN_FAIL:-}" ]; then
	echo "ERROR: *** $STANDIN_FAIL ***" >&2
	exit 3
fi

frames=""
if [ -n "${STANDIN_FRAMES:-}" ]; then
	frames="-frames:v $STANDIN_FRAMES"
fi
if [ -n "${STANDIN_FAIL_AFTER:-}" ]; then
	# ffmpeg stops after N frames; then report a fault like a crashed camera.
	# shellcheck disable=SC2086
	ffmpeg -hide_banner -loglevel error -nostdin -re \
		-f lavfi -i "testsrc=size=${width}x${height}:rate=${fps}" -frames:v "$STANDIN_FAIL_AFTER" \
		-c:v libx264 -profile:v baseline -level 4.1 -pix_fmt yuv420p -preset ultrafast -tune zerolatency \
		-b:v "$bitrate" -maxrate "$bitrate" -bufsize "$bitrate" -g "$intra" -keyint_min "$intra" -sc_threshold 0 -bf 0 \
		-x264-params repeat-headers=1 -flush_packets 1 -f h264 -
	echo "camera fault: frontend timeout" >&2
	exit 4
fi

echo "stand-in rpicam-vid: ${width}x${height}@${fps} bitrate $bitrate intra $intra" >&2
if [ -n "${STANDIN_PIDFILE:-}" ]; then
	echo $$ >"$STANDIN_PIDFILE.tmp" && mv "$STANDIN_PIDFILE.tmp" "$STANDIN_PIDFILE"
fi
# shellcheck disable=SC2086
exec ffmpeg -hide_banner -loglevel error -nostdin -re \
	-f lavfi -i "testsrc=size=${width}x${height}:rate=${fps}" $frames \
	-c:v libx264 -profile:v baseline -level 4.1 -pix_fmt yuv420p -preset ultrafast -tune zerolatency \
	-b:v "$bitrate" -maxrate "$bitrate" -bufsize "$bitrate" -g "$intra" -keyint_min "$intra" -sc_threshold 0 -bf 0 \
	-x264-params repeat-headers=1 -flush_packets 1 -f h264 -
