#!/usr/bin/env bash
# Usage: scripts/debian-tool.sh COMMAND PACKAGE WHAT
# Makes sure the Debian package PACKAGE, which provides COMMAND, is on hand for WHAT (tests that run it themselves,
# e.g. `age` for the encrypted secrets journal's interoperability, `jq` for the CI example's secret sink). Quiet and
# instant when COMMAND is already there. Installs the package with apt-get when running as root on a machine that has
# apt-get; otherwise prints one line and carries on (those tests are then skipped, except under CI=true, where they
# fail).
set -euo pipefail

command="$1" package="$2" what="$3"

command -v "$command" >/dev/null 2>&1 && exit 0
[ -x "/usr/bin/$command" ] && exit 0

say() { printf 'setup: %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  say "$command is not installed and cannot be installed here (needs root and apt-get): $what will be skipped"
  exit 0
fi

say "installing $package (Debian package) for $what"
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -qq --no-install-recommends "$package" >/dev/null; }
# A fresh machine may have no package lists yet: update once, only when the first attempt fails.
if ! install 2>/dev/null; then
  apt-get update -qq >/dev/null && install || {
    say "apt-get could not install $package: $what will be skipped"
    exit 0
  }
fi
exit 0
