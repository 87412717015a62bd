#!/usr/bin/env bash
# Installs the Debian packages that echtzeit's build, tests and experiments need,
# and only those that are missing. Uses sudo when not run as root.
#
#   chromium            headless browser for the interface tests and the harness
#   libvpx-dev          VP8 software encoder (camera, cgo)
#   libx264-dev         H.264 software encoder (camera, cgo)
#   pkg-config          finds the two libraries above for cgo
#   gcc, libc6-dev      the C compiler and C headers cgo builds with (gcc only
#                       recommends libc6-dev, which --no-install-recommends skips)
#   ffmpeg              the stand-in rpicam-vid used by the camera's tests
#   qemu-user-static    runs the arm64 (Raspberry Pi) camera build in the tests
#   iproute2            'ip' for the private network namespace of the tests
#   gstreamer1.0-*      the GStreamer webrtcbin sender (cmd/gstsender): webrtcbin,
#                       dtls and srtp in -bad, libnice's ICE in -nice (-bad does
#                       not pull it in), vp8enc and rtp payloaders in -good,
#                       appsrc and videotestsrc in -base, x264enc in -ugly
#   libgstreamer*-dev   headers for its cgo binding (camera/gstreamer)
#   nftables            'nft': the NAT routers of the paths axis (harness/nat)
set -euo pipefail

packages=(chromium libvpx-dev libx264-dev pkg-config gcc libc6-dev ffmpeg qemu-user-static iproute2
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-nice
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev nftables)
if [ "$#" -gt 0 ]; then packages=("$@"); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all present (${packages[*]})"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: missing ${missing[*]}, and apt-get is not available: install them by hand" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
    echo "install-deps: missing ${missing[*]}; run as root or install sudo" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]} with apt-get"
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
