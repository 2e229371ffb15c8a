#!/usr/bin/env bash
# Makes sure Debian's redis-server is on hand for the tests of the shared rate-limit store (they start their own
# server on a free port). Quiet and instant when it is already installed. Installs it with apt-get when running as
# root on a machine that has apt-get; otherwise prints one line and carries on (those tests are then skipped, except
# under CI=true, where they fail).
set -euo pipefail

command -v redis-server >/dev/null 2>&1 && exit 0
[ -x /usr/bin/redis-server ] && exit 0

say() { printf 'setup: %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  say "redis-server is not installed and cannot be installed here (needs root and apt-get): the shared rate-limit store tests will be skipped"
  exit 0
fi

say "installing redis-server (Debian package) for the shared rate-limit store tests"
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }
# A fresh machine may have no package lists yet: update once, only when the first attempt fails.
if ! install 2>/dev/null; then
  apt-get update -qq >/dev/null && install || {
    say "apt-get could not install redis-server: the shared rate-limit store tests will be skipped"
    exit 0
  }
fi
# The package enables a system service; the tests start their own servers, so a running one is not needed.
command -v systemctl >/dev/null 2>&1 && systemctl disable --now redis-server >/dev/null 2>&1 || true
pgrep -x redis-server >/dev/null 2>&1 && { service redis-server stop >/dev/null 2>&1 || true; }
exit 0
