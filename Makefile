# roomkeeper — targets a newcomer can guess. `make dev` runs the product, `make test` passes the tests;
# both install what they need on a fresh machine.
SHELL := /bin/bash
GO    ?= go

# Debian packages the tests need: libical (the iTIP checker), pkg-config to find it.
APT_PACKAGES := libical-dev pkg-config

.PHONY: dev demo test test-deps bench lint clean

dev: ## run the whole product locally on 127.0.0.1:8080 (Ctrl-C stops it)
	$(GO) run ./cmd/roomkeeper serve

demo: ## with `make dev` running: send the sample booking events and show the invites they produced
	$(GO) run ./cmd/roomkeeper demo

test: test-deps ## every test, with every backend required (nothing skips)
	@unformatted=$$(gofmt -l cmd shared templates); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	ROOMKEEPER_REQUIRE_BACKENDS=1 $(GO) test -count=1 ./...

bench: test-deps ## benchmarks; results go in docs/benchmarks.md
	ROOMKEEPER_REQUIRE_BACKENDS=1 $(GO) test -run '^$$' -bench . -benchmem ./...

lint: ## gofmt, go vet, staticcheck
	@unformatted=$$(gofmt -l cmd shared templates); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

test-deps: node_modules/.package-lock.json .deps/apt ## install the pinned npm packages and the Debian packages

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.deps/apt:
	@if ! pkg-config --exists libical 2>/dev/null; then \
		echo "installing $(APT_PACKAGES) with apt-get"; \
		SUDO=; if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES); \
	fi
	@mkdir -p .deps && touch $@

clean:
	rm -rf .deps node_modules
