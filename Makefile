# roomkeeper — targets a newcomer can guess. `make dev` runs the product, `make test` passes the tests;
# both install what they need on a fresh machine. `make soak` (N=1000 bookings; `make soak N=200`)
# drives the real server through a faulty provider and kills it mid-run.
SHELL := /bin/bash
GO    ?= go

# Debian packages the tests need: libical (the iTIP checker), pkg-config to find it and the C
# compiler that builds the checker; Chromium for the console's browser tests.
APT_PACKAGES := libical-dev pkg-config gcc libc6-dev chromium

# The Lambda functions, each built to dist/<name>/bootstrap for linux/arm64.
FUNCTIONS    := bookings hooks worker sweeper admin slack dialin
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags="-s -w"

# jsii (under CDK for Go) warns about the machine's Node 20; the warnings change nothing.
JSII_QUIET := JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

.PHONY: dev demo test test-deps bench fuzz soak build synth deploy lint clean

dev: ## run the whole product locally on 127.0.0.1:8080 (Ctrl-C stops it)
	$(GO) run ./cmd/roomkeeper serve

demo: ## with `make dev` running: send the sample booking events and show the invites they produced
	$(GO) run ./cmd/roomkeeper demo

test: test-deps ## every test, with every backend required (nothing skips), and the CDK stack tests
	@unformatted=$$(gofmt -l cmd functions shared templates infra); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	ROOMKEEPER_REQUIRE_BACKENDS=1 $(GO) test -count=1 -timeout 15m ./...
	cd infra && $(GO) vet ./... && $(JSII_QUIET) $(GO) test -count=1 ./...

bench: test-deps ## benchmarks; results go in docs/benchmarks.md
	ROOMKEEPER_REQUIRE_BACKENDS=1 $(GO) test -timeout 60m -run '^$$' -bench . -benchmem ./...

# How long `make fuzz` runs each fuzz target.
FUZZTIME ?= 30s

fuzz: ## run every fuzz target for FUZZTIME (30s) each; an input that fails is kept under testdata/fuzz/ as a seed
	@for file in $$(grep -rl --include='*_test.go' '^func Fuzz' cmd functions shared | sort); do \
		for target in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$file); do \
			echo "== $$(dirname $$file) $$target"; \
			$(GO) test ./$$(dirname $$file) -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) || exit 1; \
		done; \
	done

# The fault soak's size and the share of provider requests that meet a fault; make test runs the
# same test with 24 bookings at 6%, kills between waves (docs/design.md, "The fault soak").
N      ?= 1000
FAULTS ?= 0.05

soak: ## the fault soak: N bookings through a faulty provider, roomkeeper killed (SIGKILL) and restarted; prints and checks the figures
	$(GO) test -count=1 -timeout 90m -v -run '^TestSoak$$' ./cmd/roomkeeper -soak.n=$(N) -soak.faults=$(FAULTS) -soak.kills=5 -soak.crash -soak.settle=30m

build: ## the Lambda bootstraps for linux/arm64, zipped for deployment, in dist/
	@for f in $(FUNCTIONS); do \
		CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(LAMBDA_FLAGS) -o dist/$$f/bootstrap ./functions/$$f || exit 1; \
		$(GO) run ./functions/internal/lambdazip dist/$$f.zip dist/$$f/bootstrap || exit 1; \
	done
	@ls -l dist/*/bootstrap dist/*.zip

synth: build node_modules/.package-lock.json ## synthesise the AWS stack into cdk.out/ (offline, no AWS account needed)
	cd infra && $(JSII_QUIET) CDK_OUTDIR=../cdk.out $(GO) run .

# The CDK CLI is pinned here rather than in package.json: its package ships Go project templates,
# which `go test ./...` would pick up from node_modules/.
CDK_CLI := aws-cdk@2.1148.1

deploy: build ## deploy with your AWS credentials (docs/deploy.md)
	@test -n "$$ROOMKEEPER_MAIL_FROM" || { echo "deploy: set ROOMKEEPER_MAIL_FROM first (docs/deploy.md)"; exit 1; }
	$(JSII_QUIET) npx --yes $(CDK_CLI) deploy

lint: ## gofmt, go vet, staticcheck
	@unformatted=$$(gofmt -l cmd functions shared templates infra); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

test-deps: node_modules/.package-lock.json .deps/apt ## install the pinned npm packages and the Debian packages

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.deps/apt: Makefile
	@if ! pkg-config --exists libical 2>/dev/null || ! command -v gcc >/dev/null || ! command -v chromium >/dev/null; then \
		echo "installing $(APT_PACKAGES) with apt-get"; \
		SUDO=; if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES); \
	fi
	@mkdir -p .deps && touch $@

clean:
	rm -rf .deps node_modules dist cdk.out .artifacts
