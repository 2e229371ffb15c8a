# Every target runs with the bootstrapped toolchain: .tools/bin (Node >= 22.19 and the pinned pnpm) comes first on PATH.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/.tools/bin:$(PATH)
export TURBO_TELEMETRY_DISABLED := 1
export TURBO_NO_UPDATE_NOTIFIER := 1
export DO_NOT_TRACK := 1
export npm_config_loglevel := error
TURBO := pnpm exec turbo

.PHONY: setup toolchain build typecheck lint test pack-test bench snapshot demo clean

## setup: install the toolchain, redis-server (for the shared rate-limit store tests), tinyproxy (for the proxy tests)
## and dependencies, then build
## (every other target starts with this)
setup: toolchain
	@scripts/redis-server.sh
	@scripts/tinyproxy.sh
	@pnpm install --frozen-lockfile --reporter=silent
	@$(TURBO) run build --output-logs=errors-only

toolchain:
	@scripts/toolchain.sh

build: setup

typecheck: setup
	@$(TURBO) run typecheck

lint: setup
	@$(TURBO) run lint

## test: the whole check a newcomer and CI run: setup, typecheck, lint, every test
test: setup
	@$(TURBO) run typecheck lint test --output-logs=new-only --concurrency=2
	@node scripts/test-summary.mjs

## pack-test: pack every package, install the tarballs into a fresh project with npm and use them as a user would
pack-test: setup
	@node scripts/pack-test.mjs

## snapshot: opt-in V8 start-up snapshot of the CLI for this Node, which bin/exa-webhooks then runs; not the default,
## because it measured no faster than the plain bundle with the compile cache (docs/benchmarks.md, "Start-up")
snapshot: setup
	@node apps/cli/snapshot.mjs

## bench: every benchmark one after another (under ten minutes, loopback only); writes docs/benchmarks.md
bench: setup
	@node bench/run.mjs

## demo: start the mock on a free port, walk the CLI through a webhook's life against it, stop the mock
demo: setup
	@scripts/demo.sh

clean:
	rm -rf node_modules packages/*/node_modules apps/*/node_modules packages/*/dist apps/*/dist .turbo packages/*/.turbo apps/*/.turbo
