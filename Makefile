# fleetctl. Needs only Go (see go.mod for the version); `make test` and `make demo` work on a fresh machine.
SHELL := /bin/bash
GO ?= go
BIN := bin/fleetctl
PKG := github.com/fleetctl/fleetctl/pkg/cli
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X $(PKG).version=$(VERSION) -X $(PKG).commit=$(COMMIT) -X $(PKG).date=$(DATE)
export CGO_ENABLED ?= 0

.PHONY: all build test vet fmt-check unit demo bench docs fuzz clean e2e

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/fleetctl

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -count=1 ./...

# vet + gofmt check + every test (unit, golden, fuzz seeds, testscript end-to-end of the real binary).
test: vet fmt-check unit

# Build fleetctl, create a throwaway fleet repo, init it and add a cluster; print the tree and the commit.
demo: build
	@./hack/demo.sh $(BIN)

# Benchmarks; figures are compared against baselines measured in the same run. hack/bench then times
# `fleetctl validate` against kustomize build + helm template + kubeconform per cluster on generated
# fleets (peers are built into hack/bench/.cache; BENCH_FLAGS e.g. -sizes 100,1000).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./...
	cd hack/bench && $(GO) run . $(BENCH_FLAGS)

# Short fuzzing of every fuzz target (the seeds also run in `make test`).
fuzz:
	@for t in $$($(GO) test -list 'Fuzz.*' ./... | grep '^Fuzz'); do \
	  pkg=$$(grep -rl "func $$t(" --include='*_test.go' . | head -1 | xargs dirname); \
	  echo "== $$t ($$pkg)"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime 20s $$pkg || exit 1; done

# Regenerate the command reference in docs/cli/.
docs:
	$(GO) run ./hack/gendocs docs/cli

clean:
	rm -rf bin dist

# Real-engine end-to-end test (docs/e2e.md): builds etcd, kube-apiserver, kube-controller-manager and the
# Flux controllers from the Go module proxy (hack/e2e/build) into E2E_CACHE, outside the clone so a fresh
# clone reuses them, runs them on 127.0.0.1 and drives fleetctl through init, add, scale, upgrade, remove
# and the defect corpus, the public-style Flux layouts (with source-watcher), and a real Gitea forge for
# --pr. Needs git and gcc (Gitea's sqlite). E2E_RUN picks steps, e.g. E2E_RUN=TestE2E/6-defects.
E2E_CACHE ?= $(HOME)/.cache/fleetctl-e2e
E2E_RUN ?= TestE2E
E2E_TIMEOUT ?= 90m
e2e:
	cd hack/e2e && $(GO) run ./cmd/e2e-build -cache '$(E2E_CACHE)'
	cd hack/e2e && $(GO) test -tags e2e -count=1 -v -timeout $(E2E_TIMEOUT) -run '$(E2E_RUN)' . -args -e2e.cache='$(E2E_CACHE)'
