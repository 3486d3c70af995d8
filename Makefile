# kubectl logbackup: every target a fresh machine needs (Go 1.26 only).
SHELL := /bin/bash
GO ?= go
BIN := bin/kubectl-logbackup
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
LDFLAGS := -s -w -X github.com/logbackup/kubectl-logbackup/pkg/buildinfo.Version=$(VERSION) \
	-X github.com/logbackup/kubectl-logbackup/pkg/buildinfo.Commit=$(COMMIT)

# The control-plane binaries (etcd, kube-apiserver) are built from the Go
# module proxy once per version of test/tools/go.sum and reused after that.
K8S_VERSION := v1.37.2
TOOLS_KEY := $(K8S_VERSION)-$(shell sha256sum test/tools/go.sum | cut -c1-12)
# Stamp the version the binaries report; built from source they would say
# v0.0.0-master, which kubectl's version skew check cannot parse.
TOOLS_LDFLAGS := -X k8s.io/component-base/version.gitVersion=$(K8S_VERSION) \
	-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 \
	-X k8s.io/client-go/pkg/version.gitVersion=$(K8S_VERSION)
TOOLS_DIR ?= $(HOME)/.cache/kubectl-logbackup/tools/$(TOOLS_KEY)
export LOGBACKUP_TOOLS_DIR := $(abspath $(TOOLS_DIR))
export LOGBACKUP_BIN := $(abspath $(BIN))

.PHONY: all build tools monitoring-tools test unit e2e lint bench fuzz demo demo-stop clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kubectl-logbackup

# The Prometheus Operator's ServiceMonitor and PrometheusRule CRDs, which the
# end-to-end test of `exporter manifests` installs: taken from the operator's
# Go module (the proxy's zip, verified against the checksum database; run in
# test/tools for that module's settings), never copied into this repository.
# Their stamp names the version, so a tools folder built before gets them
# (or a new version) without building the binaries again.
PROMETHEUS_OPERATOR_VERSION := v0.85.0
PROMETHEUS_OPERATOR_CRDS := monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_prometheusrules.yaml

tools: $(TOOLS_DIR)/.built $(TOOLS_DIR)/crds/.fetched-$(PROMETHEUS_OPERATOR_VERSION)

$(TOOLS_DIR)/.built: test/tools/go.sum $(wildcard test/tools/cmd/*/main.go)
	@echo "building etcd, kube-apiserver and kubectl into $(TOOLS_DIR) (first time only, about 5 minutes)"
	cd test/tools && $(GO) build -ldflags '$(TOOLS_LDFLAGS)' -o $(abspath $(TOOLS_DIR))/ ./cmd/...
	@touch $@

$(TOOLS_DIR)/crds/.fetched-$(PROMETHEUS_OPERATOR_VERSION):
	@echo "fetching the Prometheus Operator $(PROMETHEUS_OPERATOR_VERSION) CRDs into $(@D)"
	@set -e; mkdir -p $(@D); \
	  json=$$(cd test/tools && $(GO) mod download -json github.com/prometheus-operator/prometheus-operator@$(PROMETHEUS_OPERATOR_VERSION)) \
	    || { echo "$$json" >&2; exit 1; }; \
	  dir=$$(echo "$$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$$/\1/p'); \
	  if [ -z "$$dir" ]; then echo "go mod download gave no folder for the Prometheus Operator module" >&2; exit 1; fi; \
	  for f in $(PROMETHEUS_OPERATOR_CRDS); do install -m 0644 "$$dir/example/prometheus-operator-crd/$$f" $(@D)/$$f; done
	@touch $@

# Monitoring tools (promtool, amtool, prometheus) come from Debian's packages.
monitoring-tools:
	@hack/monitoring-tools.sh

lint:
	@out=$$(gofmt -l cmd pkg monitoring test 2>/dev/null | grep -v '^test/tools/'); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -race ./pkg/...

e2e: build tools monitoring-tools
	$(GO) test -count=1 -timeout 20m ./test/...

# The end-to-end tests run a plugin built with the race detector, so the
# concurrent gathering is race-checked against a real API server too.
test: lint build tools monitoring-tools
	$(GO) build -race -o bin/kubectl-logbackup-race ./cmd/kubectl-logbackup
	LOGBACKUP_BIN=$(abspath bin/kubectl-logbackup-race) $(GO) test -race -count=1 -timeout 30m ./...

# Each fuzz target of the text boundary and the backup decoder, in turn
# (go test -fuzz takes one target at a time). Their seed corpora run in
# every `make test`.
FUZZTIME ?= 30s
FUZZ_TARGETS := pkg/text:FuzzClean pkg/text:FuzzCut pkg/text:FuzzLongLine pkg/text:FuzzRedact \
	pkg/text:FuzzRedactURL pkg/backup:FuzzFromUnstructured pkg/backup:FuzzParseTime
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $${t#*:} ($(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) ./$${t%%:*}; \
	done

bench: build tools
	$(GO) test -count=1 -run '^$$' -bench . -benchmem -benchtime 5x -timeout 30m ./test/bench/... ./test/cluster/... ./pkg/gather/... ./pkg/text/...

demo: build tools
	@hack/demo.sh

demo-stop:
	@hack/demo.sh stop

clean:
	rm -rf bin
