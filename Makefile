# sluice — progressive delivery for Kubernetes.
# `make demo` runs sluice on a local cluster; `make test` runs every test.

GO      ?= go
BIN     ?= bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/sluice-dev/sluice/pkg/version.Version=$(VERSION)

.PHONY: all build codegen verify test-unit test demo

all: build

## build: the controller and the kubectl plugin, into ./bin
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/sluice-controller ./cmd/kubectl-sluice

## codegen: deepcopy, clientset/listers/informers and CRDs from pkg/apis
codegen:
	./hack/update-codegen.sh

## verify: generated code is fresh, gofmt and go vet are clean
verify:
	./hack/verify-codegen.sh
	@unformatted="$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go'))"; \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

## test-unit: unit tests (no cluster)
test-unit:
	$(GO) test -count=1 ./...

## test: all tests
test: test-unit

## demo: a local cluster with sluice and a Rollout moving through its steps
demo:
	@echo "make demo: not available yet — it needs the local cluster and the Rollout controller (issues 3 and 4)." >&2
	@exit 1

help:
	@grep -E '^## ' Makefile | sed 's/## //'
