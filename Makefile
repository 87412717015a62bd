# echtzeit — make help lists the targets.
SHELL := /bin/bash
GO ?= go
BIN := bin
SCENARIO ?= scenarios/thesis.yaml

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## install the missing Debian packages (chromium, libvpx-dev, libx264-dev, pkg-config, ...)
	scripts/install-deps.sh

.PHONY: check-deps
check-deps: ## check (quietly) for the C compiler, pkg-config, libvpx and x264 that the camera's cgo codecs need
	@scripts/check-build-deps.sh

.PHONY: build
build: check-deps ## build signaling, camera, gstsender and harness into bin/ (says what to install when a library is missing)
	$(GO) build -o $(BIN)/ ./cmd/...

.PHONY: pi
pi: ## cross-compile the camera for the Raspberry Pi (arm64 and armv7, no cgo)
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -o $(BIN)/camera-linux-arm64 ./cmd/camera
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) build -trimpath -o $(BIN)/camera-linux-armv7 ./cmd/camera

.PHONY: test
test: ## install what is missing, go vet, go test -race (browser tests included)
	scripts/test.sh

.PHONY: experiment
experiment: deps build ## run the thesis's evaluation (SCENARIO=scenarios/thesis.yaml) and print the report's path
	scripts/netns.sh $(BIN)/harness run --bin $(BIN) $(SCENARIO)

.PHONY: quick
quick: deps build ## a smoke run of every trial kind and figure (scenarios/quick.yaml, under three minutes)
	scripts/netns.sh $(BIN)/harness run --bin $(BIN) scenarios/quick.yaml

.PHONY: fmt
fmt: ## gofmt every Go file
	gofmt -w $$(git ls-files '*.go')

.PHONY: lint
lint: ## gofmt check, go vet, go mod tidy check
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (default 30s)
	@for t in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for f in $$(grep -h '^func Fuzz' $$t/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
	    echo "== $$t $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-30s} $$t || exit 1; \
	  done; done

.PHONY: clean
clean: ## remove bin/ (runs under reports/runs/ are kept)
	rm -rf $(BIN)
