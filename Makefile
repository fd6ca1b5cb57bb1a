# sluice — progressive delivery for Kubernetes.
# `make demo` runs sluice on a local cluster; `make test` runs every test.

GO      ?= go
BIN     ?= bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/sluice-dev/sluice/pkg/version.Version=$(VERSION)

CLUSTER := $(GO) run ./hack/cluster

.PHONY: all build codegen manifests verify test-unit test test-e2e e2e test-faults faults faults-cluster-up faults-cluster-down fuzz bench bench-micro cluster-up cluster-down demo demo-down help

all: build

## build: the controller and the kubectl plugin, into ./bin
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/sluice-controller ./cmd/kubectl-sluice

## codegen: deepcopy, clientset/listers/informers, CRDs and the install manifests from pkg/apis
codegen:
	./hack/update-codegen.sh

## manifests: only manifests/install.yaml and namespace-install.yaml, from manifests/base and the CRDs
manifests:
	$(GO) run ./hack/geninstall

## verify: generated code is fresh, gofmt and go vet are clean
verify:
	./hack/verify-codegen.sh
	@unformatted="$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go'))"; \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

## test-unit: unit tests (no cluster)
test-unit:
	$(GO) test -count=1 ./...

## test: all tests: unit, end to end, then the fault suite, each cluster started (and stopped) for its run
test: test-unit test-e2e test-faults

## test-e2e: start the local cluster, run the e2e tests against it, stop it
test-e2e: build
	@$(CLUSTER) down >/dev/null 2>&1 || true
	$(CLUSTER) up
	@status=0; \
	  SLUICE_CONTROLLER_BIN=$(BIN)/sluice-controller $(GO) test -tags e2e -count=1 -timeout 40m ./test/e2e/... || status=$$?; \
	  $(CLUSTER) down; exit $$status

## e2e: run the e2e tests against an already running cluster (make cluster-up)
e2e: build
	SLUICE_CONTROLLER_BIN=$(BIN)/sluice-controller $(GO) test -tags e2e -count=1 -timeout 40m ./test/e2e/... $(E2E_ARGS)

## test-faults: the fault-injection suite (test/faults, docs/reliability.md) on a cluster of its own
##   (.cluster-faults, other ports: it restarts and freezes that cluster's API server), started and
##   stopped for the run. SLUICE_FAULT_SEED=N replays a run; FAULTS_ARGS='-run TestX -v' narrows it.
FAULTS_DIR   := $(CURDIR)/.cluster-faults
FAULTS_FLAGS := --state-dir $(FAULTS_DIR) --etcd-port 14379 --etcd-peer-port 14380 --apiserver-port 14443 \
	--controller-manager-port 14257 --scheduler-port 14259 --exporter-port 14100 --prometheus-port 14090 \
	--apiserver-arg=--watch-cache=false
test-faults: build
	@$(CLUSTER) down --state-dir $(FAULTS_DIR) >/dev/null 2>&1 || true
	$(CLUSTER) up $(FAULTS_FLAGS)
	@status=0; $(MAKE) --no-print-directory faults || status=$$?; \
	  $(CLUSTER) down --state-dir $(FAULTS_DIR); exit $$status

## faults: run the fault suite against an already running fault cluster (make faults-cluster-up)
faults: build
	SLUICE_CLUSTER_DIR=$(FAULTS_DIR) SLUICE_CONTROLLER_BIN=$(BIN)/sluice-controller \
	  $(GO) test -tags faults -count=1 -timeout 20m ./test/faults/... $(FAULTS_ARGS)

## faults-cluster-up / faults-cluster-down: the fault suite's own cluster
faults-cluster-up:
	$(CLUSTER) up $(FAULTS_FLAGS)

faults-cluster-down:
	$(CLUSTER) down --state-dir $(FAULTS_DIR)

## bench: the scale benchmark (test/bench, docs/benchmarks.md) at its defaults (N=1000 Rollouts),
##   on the local cluster: started for the run (and stopped after) unless one is running. BENCH_ARGS='-n 100 --idle 1m';
##   past N≈500 on two cores spread it so the cluster keeps up: BENCH_ARGS='-n 10000 --create-rate 20 --update-rate 10'
bench: build
	@started=0; \
	  if ! $(CLUSTER) env >/dev/null 2>&1; then \
	    $(CLUSTER) down >/dev/null 2>&1 || true; \
	    $(CLUSTER) up || exit 1; started=1; \
	  fi; \
	  status=0; $(GO) run ./test/bench --controller-bin=$(BIN)/sluice-controller $(BENCH_ARGS) || status=$$?; \
	  if [ $$started = 1 ]; then $(CLUSTER) down; fi; exit $$status

## bench-micro: micro-benchmarks of decoding watch events (JSON, CBOR, protobuf), of what a cached
##   object keeps (docs/benchmarks.md, "Decoding and caches") and of one look of the judge's
##   statistics ("Cost of the new features"); no cluster. BENCH_MICRO_ARGS='-count=5'
BENCH_MICRO_ARGS ?=
bench-micro:
	$(GO) test -run='^$$' -bench=. -benchmem -cpu=1 $(BENCH_MICRO_ARGS) ./test/bench/decode ./pkg/controller ./analysis/judge

## fuzz: each Go fuzz target for FUZZTIME (default 1m); crashers land in the package's
##   testdata/fuzz, which `go test` then runs as seeds. FUZZTIME=10m for a long run.
FUZZTIME ?= 1m
FUZZ_TARGETS := ./rollout/plan:FuzzWorld ./rollout/validation:FuzzRollout ./pkg/lint:FuzzLint ./analysis/evaluate:FuzzConditions ./analysis/provider/prometheus:FuzzConvert ./analysis/provider/web:FuzzSelectValue
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; name=$${t##*:}; \
	  echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
	  $(GO) test $$pkg -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -parallel 1 || exit 1; \
	done

## cluster-up / cluster-down: the local cluster (etcd, kube-apiserver, KWOK nodes, Prometheus)
cluster-up:
	$(CLUSTER) up

cluster-down:
	$(CLUSTER) down

## demo: a local cluster with sluice and a Rollout moving through its steps (left running)
demo:
	./hack/demo.sh

## demo-down: stop the demo's controller and the local cluster
demo-down:
	./hack/demo-down.sh

help:
	@grep -E '^## ' Makefile | sed 's/## //'
