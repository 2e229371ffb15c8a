#!/usr/bin/env bash
# Makes sure Debian's tinyproxy is on hand for the proxy tests (HTTPS_PROXY / HTTP_PROXY / NO_PROXY honoured by the
# client's Node transport and both bins; each test starts its own tinyproxy on a free port). Quiet and instant when it
# is already installed. Installs it with apt-get when running as root on a machine that has apt-get; otherwise prints
# one line and carries on (those tests are then skipped, except under CI=true, where they fail).
set -euo pipefail

command -v tinyproxy >/dev/null 2>&1 && exit 0
[ -x /usr/bin/tinyproxy ] && exit 0

say() { printf 'setup: %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  say "tinyproxy is not installed and cannot be installed here (needs root and apt-get): the proxy tests will be skipped"
  exit 0
fi

say "installing tinyproxy (Debian package) for the proxy tests"
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -qq --no-install-recommends tinyproxy-bin >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends tinyproxy >/dev/null; }
# A fresh machine may have no package lists yet: update once, only when the first attempt fails.
if ! install 2>/dev/null; then
  apt-get update -qq >/dev/null && install || {
    say "apt-get could not install tinyproxy: the proxy tests will be skipped"
    exit 0
  }
fi
# The full package enables a system service on port 8888; the tests start their own proxies.
command -v systemctl >/dev/null 2>&1 && systemctl disable --now tinyproxy >/dev/null 2>&1 || true
pgrep -x tinyproxy >/dev/null 2>&1 && { service tinyproxy stop >/dev/null 2>&1 || true; }
exit 0
