# kubectl logbackup: every target a fresh machine needs (Go 1.26 only).
SHELL := /bin/bash
GO ?= go
BIN := bin/kubectl-logbackup
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/logbackup/kubectl-logbackup/pkg/buildinfo.Version=$(VERSION)

# The control-plane binaries (etcd, kube-apiserver) are built from the Go
# module proxy once per version of test/tools/go.sum and reused after that.
TOOLS_KEY := $(shell sha256sum test/tools/go.sum | cut -c1-12)
TOOLS_DIR ?= $(HOME)/.cache/kubectl-logbackup/tools/$(TOOLS_KEY)
export LOGBACKUP_TOOLS_DIR := $(abspath $(TOOLS_DIR))
export LOGBACKUP_BIN := $(abspath $(BIN))

.PHONY: all build tools test unit e2e lint bench demo demo-stop clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kubectl-logbackup

tools: $(TOOLS_DIR)/kube-apiserver $(TOOLS_DIR)/etcd

$(TOOLS_DIR)/kube-apiserver $(TOOLS_DIR)/etcd: test/tools/go.sum
	@echo "building etcd and kube-apiserver into $(TOOLS_DIR) (first time only, about 4 minutes)"
	cd test/tools && $(GO) build -o $(abspath $(TOOLS_DIR))/ ./cmd/...

# Monitoring tools (promtool, amtool, prometheus) come from Debian's packages.
monitoring-tools:
	@hack/monitoring-tools.sh

lint:
	@out=$$(gofmt -l cmd pkg test/e2e test/cluster test/demo 2>/dev/null); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -race ./pkg/...

e2e: build tools
	$(GO) test -count=1 -timeout 20m ./test/...

test: lint build tools monitoring-tools
	$(GO) test -count=1 -timeout 30m ./...

bench: build tools
	$(GO) test -count=1 -run '^$$' -bench . -benchmem -benchtime 5x -timeout 30m ./test/bench/...

demo: build tools
	@hack/demo.sh

demo-stop:
	@hack/demo.sh stop

clean:
	rm -rf bin
