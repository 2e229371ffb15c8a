# Every target runs with the bootstrapped toolchain: .tools/bin (Node >= 22.19 and the pinned pnpm) comes first on PATH.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/.tools/bin:$(PATH)
export TURBO_TELEMETRY_DISABLED := 1
export TURBO_NO_UPDATE_NOTIFIER := 1
export DO_NOT_TRACK := 1
export npm_config_loglevel := error
TURBO := pnpm exec turbo

.PHONY: setup toolchain build typecheck lint test pack-test bench demo clean

## setup: install the toolchain and dependencies, then build (every other target starts with this)
setup: toolchain
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

bench: setup
	@$(TURBO) run bench --output-logs=full --concurrency=1

## demo: start the mock on a free port, walk the CLI through a webhook's life against it, stop the mock
demo: setup
	@scripts/demo.sh

clean:
	rm -rf node_modules packages/*/node_modules apps/*/node_modules packages/*/dist apps/*/dist .turbo packages/*/.turbo apps/*/.turbo
