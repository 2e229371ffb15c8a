# Every target runs with the bootstrapped toolchain: .tools/bin (Node >= 22.19 and the pinned pnpm) comes first on PATH.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
# The PATH make was started with: `make install` runs the user's own npm with it (see scripts/install.mjs).
USER_PATH := $(PATH)
export PATH := $(CURDIR)/.tools/bin:$(PATH)
export TURBO_TELEMETRY_DISABLED := 1
export TURBO_NO_UPDATE_NOTIFIER := 1
export DO_NOT_TRACK := 1
export npm_config_loglevel := error
TURBO := pnpm exec turbo

.PHONY: setup toolchain build typecheck lint test pack-test pack install uninstall release bench snapshot demo clean

## setup: install the toolchain, redis-server (for the shared rate-limit store and apply lock tests), tinyproxy (for
## the proxy tests), age and jq (for the encrypted journal's interoperability and the CI example's tests) and
## dependencies, then build
## (every other target starts with this)
setup: toolchain
	@scripts/redis-server.sh
	@scripts/tinyproxy.sh
	@scripts/debian-tool.sh age age "the encrypted secrets journal's interoperability tests"
	@scripts/debian-tool.sh jq jq "the CI example's test (its secret sink reads the secret with jq)"
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

## pack: build, then pack every publishable package into packs/ under a stable name (packs/exa-webhooks.tgz,
## packs/exa-webhooks-client.tgz, ...): what a release publishes, to install or npx from
pack: setup
	@node scripts/packages.mjs pack packs

## install: pack, then install the three commands from their tarballs with your own npm, where `npm i -g` puts them
## (PREFIX=dir: under dir/bin instead); refuses, before installing anything, when the node on your PATH is too old
## (its check runs on whichever node is at hand, so that it comes before the toolchain and the build)
install:
	@EXA_USER_PATH='$(USER_PATH)' node scripts/install.mjs check
	@$(MAKE) --no-print-directory pack
	@EXA_USER_PATH='$(USER_PATH)' PREFIX='$(PREFIX)' node scripts/install.mjs install packs

## uninstall: remove what make install installed (the same PREFIX)
uninstall:
	@EXA_USER_PATH='$(USER_PATH)' PREFIX='$(PREFIX)' node scripts/install.mjs uninstall

## release: version (pending changesets), build, test, pack and check every package in a clean copy of HEAD, then
## `npm publish --dry-run` each tarball; PUBLISH=1 with NPM_TOKEN set publishes them (scripts/release.mjs)
release: toolchain
	@node scripts/release.mjs $(if $(PUBLISH),--publish)

## snapshot: opt-in V8 start-up snapshot of the CLI for this Node, which bin/exa-webhooks then runs; not the default,
## because it measured no faster than the plain bundle with the compile cache (docs/benchmarks.md, "Start-up")
snapshot: setup
	@node apps/cli/snapshot.mjs

## bench: the benchmarks one after another (loopback only), in order of what users feel, within BUDGET minutes
## (default 15; every section takes about 21 on 2 cores: BUDGET=25); a section that would not fit is not started and is
## listed as not measured; writes docs/benchmarks.md and the README headline
bench: setup
	@node bench/run.mjs $(if $(BUDGET),--budget-minutes $(BUDGET))

## demo: start the mock on a free port, walk the CLI through a webhook's life against it, stop the mock
demo: setup
	@scripts/demo.sh

clean:
	rm -rf node_modules packages/*/node_modules apps/*/node_modules packages/*/dist apps/*/dist .turbo packages/*/.turbo apps/*/.turbo
