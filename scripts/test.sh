#!/usr/bin/env bash
# The project's test command (make test): installs what is missing, vets, builds,
# then runs every test with the race detector inside a private network namespace
# with only loopback. Browser tests are required to run (ECHTZEIT_REQUIRE_BROWSER=1).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
export GOFLAGS="${GOFLAGS:--mod=readonly}"

echo "== go vet"
go vet ./...

echo "== build (modules and test binaries are compiled before the network goes away)"
go mod download
go build ./...
make --no-print-directory build pi   # also warms the cache for the tests that build the binaries
go test -race -count=1 -run '^$' ./... >/dev/null

echo "== go test -race (in a private network namespace)"
export ECHTZEIT_REQUIRE_BROWSER=1
GOPROXY=off scripts/netns.sh \
  go test -race -count=1 -timeout 12m ${GOTESTFLAGS:-} ./...
