#!/usr/bin/env bash
# Runs a command in a private network namespace that has only the loopback
# interface, so WebRTC media between the camera, Chromium and the server never
# leaves this machine (Chromium gathers candidates on every interface it sees).
#
#   scripts/netns.sh go test ./...
#
# As root it uses 'unshare -n'; otherwise it tries an unprivileged user namespace
# ('unshare -rn'). Where neither works, or ECHTZEIT_NETNS=0, it runs the command
# as it is and says so.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: scripts/netns.sh COMMAND [ARG...]" >&2
  exit 2
fi

inner='ip link set lo up 2>/dev/null || true; exec "$@"'

if [ "${ECHTZEIT_NETNS:-1}" = "0" ]; then
  echo "netns: ECHTZEIT_NETNS=0, running without a private network namespace" >&2
  exec "$@"
fi
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
  exec unshare -n -- sh -c "$inner" sh "$@"
fi
if unshare -rn true 2>/dev/null; then
  exec unshare -rn -- sh -c "$inner" sh "$@"
fi
echo "netns: cannot create a network namespace here; running on the host network" >&2
exec "$@"
