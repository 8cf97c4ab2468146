# ring — build, demo and test targets. `make demo` and `make test` are the
# two commands README.md starts with.

GO      ?= go
BIN     ?= bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X github.com/ringchat/ring/internal/buildinfo.Version=$(VERSION) \
           -X github.com/ringchat/ring/internal/buildinfo.Commit=$(COMMIT)
FUZZTIME ?= 60s

.PHONY: all build demo test vet bench fuzz man deb rpm clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/ringd ./cmd/ringctl ./cmd/ringbench

demo: build
	./scripts/demo.sh $(BIN)

vet:
	$(GO) vet ./...

test: vet
	$(GO) test -race -count=1 -timeout 10m ./...   # -count=1: e2e builds binaries the test cache cannot see

# Go benchmarks of the hot path, then ringbench on a 5-node ring (about a
# minute in all). Not part of test. docs/PERFORMANCE.md reads the results.
BENCH_PKGS ?= ./protocol/ ./protocol/secure/ ./daemon/ring/ ./daemon/store/ ./daemon/transport/ ./ipc/
bench: build
	$(GO) test -run '^$$' -bench . -benchmem $(BENCH_PKGS)
	$(BIN)/ringbench -n 5

# Man pages and bash/zsh/fish completions, generated from the commands
# (their hidden gen-docs command), so they say what --help says.
# SOURCE_DATE_EPOCH, when set, dates the pages (reproducible builds).
DOCS ?= $(BIN)/docs
gen-docs = for b in ringd ringctl; do $(1)/$$b gen-docs --man $(2)/man --completions $(2)/completions || exit 1; done
man: build
	rm -rf $(DOCS)
	$(call gen-docs,$(BIN),$(DOCS))

# Packages (packaging/nfpm.yaml) built with nfpm, a Go tool dependency of
# packaging/tools: nothing else to install. The version is the last git
# tag (v1.2.3 -> 1.2.3; 4 commits later 1.2.3+4.gabc1234, which dpkg and
# rpm sort above 1.2.3), else 0.0.0+git.<commit time>.<commit>, so later
# snapshots sort higher; stripped binaries.
PKG_VERSION ?= $(shell git describe --tags --match 'v[0-9]*' 2>/dev/null | sed 's/^v//;s/-\([0-9]*\)-g/+\1.g/' || true)
PKG_VERSION := $(if $(PKG_VERSION),$(PKG_VERSION),0.0.0+git.$(shell git log -1 --format=%cd --date=format:%Y%m%d%H%M%S 2>/dev/null || echo 0).$(COMMIT))
PKG_BIN  := bin/pkg
PKG_DOCS := bin/pkg/docs
PKG_OUT  ?= bin/
NFPM = PKG_VERSION=$(PKG_VERSION) $(GO) tool -modfile=packaging/tools/go.mod nfpm package -f packaging/nfpm.yaml -t $(PKG_OUT)
pkg-files:
	CGO_ENABLED=1 $(GO) build -trimpath -buildmode=pie \
		-ldflags '-s -w $(LDFLAGS) -linkmode=external -extldflags "-Wl,-z,relro,-z,now"' -o $(PKG_BIN)/ ./cmd/ringd ./cmd/ringctl
	rm -rf $(PKG_DOCS)
	export SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || date +%s); $(call gen-docs,$(PKG_BIN),$(PKG_DOCS))
	gzip -9n $(PKG_DOCS)/man/*
	./packaging/changelog.sh $(PKG_VERSION) | gzip -9n > $(PKG_DOCS)/changelog.gz
deb: pkg-files
	$(NFPM) -p deb
rpm: pkg-files
	$(NFPM) -p rpm

# Each fuzz target for FUZZTIME (go test allows one -fuzz target per run).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzReadFrame$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./protocol/
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./protocol/
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./internal/config/
	$(GO) test -run '^$$' -fuzz '^FuzzServer$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./protocol/secure/
	$(GO) test -run '^$$' -fuzz '^FuzzRequest$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./ipc/
	$(GO) test -run '^$$' -fuzz '^FuzzParseAnswer$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./daemon/discovery/

clean:
	rm -rf $(BIN)
