#!/usr/bin/env bash
# Checks, quietly, that the system libraries and tools the camera's cgo codecs
# need are present (make build runs it first). When something is missing it
# names the Debian package, says that `make deps` installs it, and exits 1, so
# a new user reads that instead of cgo's "Package 'x264', required by
# 'virtual:world', not found".
#
#   scripts/check-build-deps.sh          # silent when all is there
#
# It honours the variables the go command reads: CGO_ENABLED=0, in the
# environment or set with 'go env -w', skips the check (nothing of cgo is needed
# then); PKG_CONFIG and CC name the tools to use. A CGO_ENABLED that is 0 only
# because no C compiler was found is not a choice: go would silently build a
# camera without its encoders, so that case is reported as a missing gcc.
set -uo pipefail

cgo=${CGO_ENABLED:-}
if [ -z "$cgo" ] && command -v go >/dev/null 2>&1; then
  cgo=$(go env -changed CGO_ENABLED 2>/dev/null | tr -d "'" | sed -n 's/^CGO_ENABLED=//p')
fi
if [ "$cgo" = "0" ]; then exit 0; fi

cc=${CC:-}
if [ -z "$cc" ] && command -v go >/dev/null 2>&1; then cc=$(go env CC 2>/dev/null || true); fi
cc=${cc:-gcc}
pkgconfig=${PKG_CONFIG:-pkg-config}

# installed PACKAGE: dpkg knows it as installed.
installed() {
  command -v dpkg-query >/dev/null 2>&1 &&
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=() # "package|why"
if ! command -v "${cc%% *}" >/dev/null 2>&1; then
  missing+=("gcc|no C compiler: '${cc%% *}' is not on PATH (cgo needs one)")
elif ! printf '#include <stdlib.h>\n' | ${cc} -E -x c - >/dev/null 2>&1; then
  missing+=("libc6-dev|the C compiler cannot find <stdlib.h>")
fi
if ! command -v "${pkgconfig%% *}" >/dev/null 2>&1; then
  missing+=("pkg-config|'${pkgconfig%% *}' is not on PATH (cgo asks it where libvpx and x264 are)")
  # Without pkg-config the libraries can only be asked of dpkg.
  installed libvpx-dev || missing+=("libvpx-dev|VP8 encoder")
  installed libx264-dev || missing+=("libx264-dev|H.264 encoder")
else
  ${pkgconfig} --exists vpx 2>/dev/null || missing+=("libvpx-dev|VP8 encoder: '${pkgconfig} --exists vpx' fails")
  ${pkgconfig} --exists x264 2>/dev/null || missing+=("libx264-dev|H.264 encoder: '${pkgconfig} --exists x264' fails")
fi

# The GStreamer sender (cmd/gstsender, camera/gstreamer) builds against GStreamer.
if command -v "${pkgconfig%% *}" >/dev/null 2>&1; then
  ${pkgconfig} --exists gstreamer-1.0 gstreamer-app-1.0 gstreamer-video-1.0 gstreamer-rtp-1.0 gstreamer-sdp-1.0 2>/dev/null ||
    missing+=("libgstreamer-plugins-base1.0-dev|GStreamer sender: gstreamer, app, video, rtp and sdp headers")
  ${pkgconfig} --exists gstreamer-webrtc-1.0 2>/dev/null ||
    missing+=("libgstreamer-plugins-bad1.0-dev|GStreamer sender: webrtcbin's headers")
fi

if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi

{
  echo "The cgo parts (the camera's software encoders, the GStreamer sender) need system packages that are missing:"
  pkgs=()
  for m in "${missing[@]}"; do
    printf '  %-12s %s\n' "${m%%|*}" "${m#*|}"
    pkgs+=("${m%%|*}")
  done
  echo
  echo "Install them with:  make deps    (scripts/install-deps.sh: apt-get install ${pkgs[*]})"
  echo "then run 'make build' again. To build without them (no synthetic or v4l2 source):"
  echo "  CGO_ENABLED=0 make build       (README: Troubleshooting)"
} >&2
exit 1
