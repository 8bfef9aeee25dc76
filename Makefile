# escucha — build, test and check.
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/escucha/escucha.Version=$(VERSION)

.PHONY: all build demo test deps check vet fmt-check bench fuzz

all: build

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/escucha ./cmd/escucha

# The demo daemon: embedded NATS, a local bbolt file, the bundled sample mentions.
demo:
	$(GO) run ./cmd/escucha run --demo

# The whole test suite (what .ci/run calls). Installs Debian's chromium for the
# browser tests when it is missing.
test: deps
	$(GO) vet ./...
	$(GO) test -race -timeout 20m ./...

deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium </dev/null; \
	fi

check: fmt-check vet test

vet:
	$(GO) vet ./...

fmt-check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./classifier/... ./store/...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzNormalize -fuzztime 60s ./classifier
	$(GO) test -run '^$$' -fuzz FuzzClassify -fuzztime 60s ./classifier
