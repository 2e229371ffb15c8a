#!/usr/bin/env bash
# Makes sure Debian's age (the reference implementation of the age file encryption format) is on hand for the
# interoperability tests of the batch tool's encrypted secrets journal: an entry we encrypt must decrypt with `age`,
# and one that `age` encrypts must decrypt with ours. Quiet and instant when it is already installed. Installs it with
# apt-get when running as root on a machine that has apt-get; otherwise prints one line and carries on (those tests are
# then skipped, except under CI=true, where they fail).
set -euo pipefail

command -v age >/dev/null 2>&1 && command -v age-keygen >/dev/null 2>&1 && exit 0
[ -x /usr/bin/age ] && [ -x /usr/bin/age-keygen ] && exit 0

say() { printf 'setup: %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  say "age is not installed and cannot be installed here (needs root and apt-get): the age interoperability tests will be skipped"
  exit 0
fi

say "installing age (Debian package) for the encrypted secrets journal's interoperability tests"
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -qq --no-install-recommends age >/dev/null; }
# A fresh machine may have no package lists yet: update once, only when the first attempt fails.
if ! install 2>/dev/null; then
  apt-get update -qq >/dev/null && install || {
    say "apt-get could not install age: the age interoperability tests will be skipped"
    exit 0
  }
fi
exit 0
