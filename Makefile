# kubectl logbackup: every target a fresh machine needs (Go 1.26 only).
SHELL := /bin/bash
GO ?= go
BIN := bin/kubectl-logbackup
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo none)
# The commit's date, not the build's, as a release stamps it (.goreleaser.yaml).
DATE ?= $(shell TZ=UTC0 git log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd 2>/dev/null || echo unknown)
BUILDINFO := github.com/logbackup/kubectl-logbackup/pkg/buildinfo
LDFLAGS := -s -w -X $(BUILDINFO).Version=$(VERSION) -X $(BUILDINFO).Commit=$(COMMIT) -X $(BUILDINFO).Date=$(DATE)

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

# The monitoring tools (prometheus, promtool, alertmanager, amtool) are built
# from the Go module proxy too, from their own modules test/tools/prometheus
# and test/tools/alertmanager (two: they cannot share one dependency graph),
# into their own directory keyed by the two go.sum files: a new Prometheus or
# Alertmanager rebuilds only these, not kube-apiserver.
PROM_MODULE := test/tools/prometheus
AM_MODULE := test/tools/alertmanager
PROM_MOD_VERSION := $(shell awk '{sub(/^require /, "")} $$1 == "github.com/prometheus/prometheus" {print $$2}' $(PROM_MODULE)/go.mod)
AM_MOD_VERSION := $(shell awk '{sub(/^require /, "")} $$1 == "github.com/prometheus/alertmanager" {print $$2}' $(AM_MODULE)/go.mod)
# Prometheus 3.MM.P is tagged v0.3MM.P in its Go module (v0.316.0 is 3.16.0).
PROMETHEUS_VERSION := $(shell echo '$(PROM_MOD_VERSION)' | sed -E 's/^v0\.([0-9])0*([0-9]+)\.([0-9]+)$$/\1.\2.\3/')
ALERTMANAGER_VERSION := $(patsubst v%,%,$(AM_MOD_VERSION))
MONITORING_TOOLS_KEY := prometheus-$(PROMETHEUS_VERSION)-nosd-alertmanager-$(ALERTMANAGER_VERSION)-$(shell cat $(PROM_MODULE)/go.sum $(AM_MODULE)/go.sum | sha256sum | cut -c1-12)
MONITORING_TOOLS_DIR ?= $(HOME)/.cache/kubectl-logbackup/monitoring-tools/$(MONITORING_TOOLS_KEY)
export LOGBACKUP_MONITORING_TOOLS_DIR := $(abspath $(MONITORING_TOOLS_DIR))
# Built from the module proxy, the binaries would print an empty version
# (prometheus --version, amtool --version, the build_info metric): stamp it.
promtools_ldflags = -X github.com/prometheus/common/version.Version=$(1) \
	-X github.com/prometheus/common/version.Revision=$(2) \
	-X github.com/prometheus/common/version.Branch=module-proxy \
	-X github.com/prometheus/common/version.BuildUser=kubectl-logbackup-make \
	-X github.com/prometheus/common/version.BuildDate=$$(date -u +%Y%m%d-%H:%M:%S)

# krew (the install test) and goreleaser (the release) are built from the Go
# module proxy too, each from its own module under test/tools (their
# dependency graphs are older, or far larger, than the others'), into
# folders keyed by their go.sum. krew is small (under a minute) and `make
# test` uses it; goreleaser takes about 13 minutes on 2 cores the first
# time, so only the release targets build it.
KREW_MODULE := test/tools/krew
KREW_VERSION := $(shell awk '{sub(/^require /, "")} $$1 == "sigs.k8s.io/krew" {print $$2}' $(KREW_MODULE)/go.mod)
KREW_DIR ?= $(HOME)/.cache/kubectl-logbackup/krew/$(KREW_VERSION)-$(shell sha256sum $(KREW_MODULE)/go.sum | cut -c1-12)
export LOGBACKUP_KREW_DIR := $(abspath $(KREW_DIR))
GORELEASER_MODULE := test/tools/goreleaser
GORELEASER_VERSION := $(shell awk '{sub(/^require /, "")} $$1 == "github.com/goreleaser/goreleaser/v2" {print $$2}' $(GORELEASER_MODULE)/go.mod)
GORELEASER_DIR ?= $(HOME)/.cache/kubectl-logbackup/goreleaser/$(GORELEASER_VERSION)-$(shell sha256sum $(GORELEASER_MODULE)/go.sum | cut -c1-12)
GORELEASER := $(abspath $(GORELEASER_DIR))/goreleaser

.PHONY: all build tools monitoring-tools krew-tools goreleaser test unit e2e lint docs bench fuzz demo demo-stop clean \
	release-check release-snapshot release krew-index

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

tools: $(TOOLS_DIR)/etcd $(TOOLS_DIR)/kube-apiserver $(TOOLS_DIR)/kubectl $(TOOLS_DIR)/crds/.fetched-$(PROMETHEUS_OPERATOR_VERSION)

# One binary per target, so the demo builds only what it runs.
$(addprefix $(TOOLS_DIR)/,etcd kube-apiserver kubectl): $(TOOLS_DIR)/%: test/tools/go.sum test/tools/cmd/%/main.go
	@echo "building $* into $(TOOLS_DIR) (first time only)"
	cd test/tools && $(GO) build -ldflags '$(TOOLS_LDFLAGS)' -o $(abspath $@) ./cmd/$*

$(TOOLS_DIR)/crds/.fetched-$(PROMETHEUS_OPERATOR_VERSION):
	@echo "fetching the Prometheus Operator $(PROMETHEUS_OPERATOR_VERSION) CRDs into $(@D)"
	@set -e; mkdir -p $(@D); \
	  json=$$(cd test/tools && $(GO) mod download -json github.com/prometheus-operator/prometheus-operator@$(PROMETHEUS_OPERATOR_VERSION)) \
	    || { echo "$$json" >&2; exit 1; }; \
	  dir=$$(echo "$$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$$/\1/p'); \
	  if [ -z "$$dir" ]; then echo "go mod download gave no folder for the Prometheus Operator module" >&2; exit 1; fi; \
	  for f in $(PROMETHEUS_OPERATOR_CRDS); do install -m 0644 "$$dir/example/prometheus-operator-crd/$$f" $(@D)/$$f; done
	@touch $@

monitoring-tools: $(MONITORING_TOOLS_DIR)/.built

# No cgo. Prometheus is built with remove_all_sd: the tests scrape static
# targets only, and leaving out the service discoveries (the cloud SDKs and
# client-go) takes its first build from about 20 to about 8 minutes on two
# cores. Without the builtinassets tag it serves its API without the web
# UI's assets (that tag needs files its module does not ship).
# Alertmanager's UI package embeds assets that its module lacks too, so it is
# built from a copy of its module with our stand-in (alertmanagerui/web.go) in
# place of ui/web.go (go build -overlay may not replace files of the module
# cache), through a temporary go.mod that replaces the module with the copy.
$(MONITORING_TOOLS_DIR)/.built: $(PROM_MODULE)/go.mod $(PROM_MODULE)/go.sum $(AM_MODULE)/go.mod $(AM_MODULE)/go.sum $(AM_MODULE)/alertmanagerui/web.go
	@echo "building prometheus $(PROMETHEUS_VERSION), promtool, alertmanager $(ALERTMANAGER_VERSION) and amtool into $(MONITORING_TOOLS_DIR) (first time only, about 10 minutes on 2 cores)"
	@mkdir -p $(LOGBACKUP_MONITORING_TOOLS_DIR)
	cd $(PROM_MODULE) && CGO_ENABLED=0 $(GO) build -trimpath -tags remove_all_sd \
	  -ldflags "$(call promtools_ldflags,$(PROMETHEUS_VERSION),$(PROM_MOD_VERSION))" \
	  -o $(LOGBACKUP_MONITORING_TOOLS_DIR)/ github.com/prometheus/prometheus/cmd/prometheus github.com/prometheus/prometheus/cmd/promtool
	@rm -rf $(LOGBACKUP_MONITORING_TOOLS_DIR)/src && mkdir -p $(LOGBACKUP_MONITORING_TOOLS_DIR)/src
	cd $(AM_MODULE) && $(GO) mod download github.com/prometheus/alertmanager && \
	  cp -R "$$($(GO) list -m -f '{{.Dir}}' github.com/prometheus/alertmanager)" $(LOGBACKUP_MONITORING_TOOLS_DIR)/src/alertmanager && \
	  chmod -R u+w $(LOGBACKUP_MONITORING_TOOLS_DIR)/src/alertmanager && \
	  cp alertmanagerui/web.go $(LOGBACKUP_MONITORING_TOOLS_DIR)/src/alertmanager/ui/web.go && \
	  cp go.mod go.sum $(LOGBACKUP_MONITORING_TOOLS_DIR)/src/ && \
	  echo 'replace github.com/prometheus/alertmanager => $(LOGBACKUP_MONITORING_TOOLS_DIR)/src/alertmanager' >>$(LOGBACKUP_MONITORING_TOOLS_DIR)/src/go.mod && \
	  CGO_ENABLED=0 $(GO) build -trimpath -modfile=$(LOGBACKUP_MONITORING_TOOLS_DIR)/src/go.mod \
	  -ldflags "$(call promtools_ldflags,$(ALERTMANAGER_VERSION),$(AM_MOD_VERSION))" \
	  -o $(LOGBACKUP_MONITORING_TOOLS_DIR)/ github.com/prometheus/alertmanager/cmd/alertmanager github.com/prometheus/alertmanager/cmd/amtool
	@rm -rf $(LOGBACKUP_MONITORING_TOOLS_DIR)/src
	@for t in prometheus promtool alertmanager amtool; do $(LOGBACKUP_MONITORING_TOOLS_DIR)/$$t --version 2>&1 | head -n1; done
	@touch $@

krew-tools: $(KREW_DIR)/krew $(KREW_DIR)/validate-krew-manifest

$(KREW_DIR)/krew $(KREW_DIR)/validate-krew-manifest: $(KREW_DIR)/%: $(KREW_MODULE)/go.sum
	@echo "building $* $(KREW_VERSION) into $(KREW_DIR) (first time only, under a minute)"
	cd $(KREW_MODULE) && CGO_ENABLED=0 $(GO) build -trimpath \
	  -ldflags '-X sigs.k8s.io/krew/internal/version.gitTag=$(KREW_VERSION) -X sigs.k8s.io/krew/internal/version.gitCommit=module-proxy' \
	  -o $(abspath $@) sigs.k8s.io/krew/cmd/$*

goreleaser: $(GORELEASER)

$(GORELEASER): $(GORELEASER_MODULE)/go.sum
	@echo "building goreleaser $(GORELEASER_VERSION) into $(GORELEASER_DIR) (first time only, about 13 minutes on 2 cores)"
	cd $(GORELEASER_MODULE) && CGO_ENABLED=0 $(GO) build -trimpath \
	  -ldflags '-X main.version=$(GORELEASER_VERSION) -X main.builtBy=kubectl-logbackup-make' \
	  -o $(abspath $@) github.com/goreleaser/goreleaser/v2

# The command reference, from the cobra tree; `make test` fails when the
# checked-in one is stale (pkg/cmd/reference).
docs:
	$(GO) run ./hack/docs

# goreleaser's own check of .goreleaser.yaml, then a snapshot of every
# archive into dist/ and the krew test on all six of them (the host's is
# installed and run). The exporter's image is skipped (--skip=ko): in a
# snapshot ko loads it into a local Docker daemon, and a real release pushes
# it to the registry; neither exists on a machine without Docker.
release-check: goreleaser
	$(GORELEASER) check

release-snapshot: release-check build tools krew-tools
	$(GORELEASER) release --snapshot --clean --skip=ko
	LOGBACKUP_RELEASE_DIST=$(abspath dist) $(GO) test -count=1 -run 'TestKrew' ./test/krew/

# A release, from a tag on a clean tree, with GITHUB_TOKEN set and a
# registry login for the image (docs/releasing.md); then the krew index.
release: release-check
	$(GORELEASER) release --clean
	$(MAKE) krew-index

# plugins/logbackup.yaml, this repository's krew index: krew-manifest.yaml
# rendered as krew-release-bot renders it, with the sha256 of each archive
# read from dist/ (the release just built), never typed by hand.
krew-index:
	$(GO) run ./hack/krewindex -dist dist -template krew-manifest.yaml -out plugins/logbackup.yaml

lint:
	@out=$$(gofmt -l cmd pkg monitoring test 2>/dev/null | grep -v '^test/tools/'); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -race ./pkg/...

e2e: build tools monitoring-tools krew-tools
	$(GO) test -count=1 -timeout 20m ./test/...

# The end-to-end tests run a plugin built with the race detector, so the
# concurrent gathering is race-checked against a real API server too.
test: lint build tools monitoring-tools krew-tools
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
	$(GO) test -count=1 -run '^$$' -bench . -benchmem -benchtime 5x -timeout 30m ./test/bench/... ./test/cluster/... ./pkg/gather/... ./pkg/text/... ./pkg/promapi/...

# The demo runs etcd and kube-apiserver; kubectl is built only when none is
# on PATH, for the commands the demo suggests afterwards. Nothing else of
# `make tools` (the Prometheus Operator CRDs) is needed.
DEMO_KUBECTL := $(if $(shell command -v kubectl 2>/dev/null),,$(TOOLS_DIR)/kubectl)

demo: build $(TOOLS_DIR)/etcd $(TOOLS_DIR)/kube-apiserver $(DEMO_KUBECTL)
	@hack/demo.sh

demo-stop:
	@hack/demo.sh stop

clean:
	rm -rf bin
