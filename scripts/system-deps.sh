#!/bin/sh
# The Debian packages `npm test` and `npm run example` need, checked by the command each provides
# (npm's pretest and preexample). Missing ones are installed when that is possible (root and
# apt-get); otherwise the one apt-get line that installs them is printed and the exit is 1.
#
#   sh scripts/system-deps.sh test|example              check, install what is missing
#   sh scripts/system-deps.sh --commands test|example   the commands it checks, one a line
set -eu

# Why the tests need them: ssh dials a closed port for the unreachable-host test; pgrep finds the
# ansible-playbook to SIGKILL; promtool and prometheus check and scrape the metrics; chromium
# renders the HTML report; ansible-runner writes the artifacts that `ansible-otel import` reads;
# openssl makes the throwaway CA and certificates of the wss:// tests; dpkg-deb and gpgv let
# scripts/ansible-core-2.19.sh fetch and unpack trixie's ansible-core (apt-get and the
# debian-archive-keyring it verifies with come with apt itself); pyflakes3 and pycodestyle lint
# the Python (scripts/lint-python.sh).
# To add a tool: one line, "command  Debian package  the npm scripts that need it".
TABLE='
ansible-playbook  ansible-core            example test
ssh               openssh-client          test
pgrep             procps                  test
promtool          prometheus              test
prometheus        prometheus              test
chromium          chromium                test
ansible-runner    python3-ansible-runner  test
openssl           openssl                 test
dpkg-deb          dpkg                    test
gpgv              gpgv                    test
pyflakes3         pyflakes3               test
pycodestyle       pycodestyle             test
'

usage() {
  echo "usage: $0 [--commands] test|example" >&2
  exit 2
}

list=
if [ "${1:-}" = --commands ]; then list=1; shift; fi
case "${1:-}" in test | example) purpose=$1 ;; *) usage ;; esac

# Sets $missing (commands) and $packages (their packages, each once).
check() {
  missing=
  packages=
  while read -r cmd pkg uses; do
    [ -n "$cmd" ] || continue
    case " $uses " in *" $purpose "*) ;; *) continue ;; esac
    if [ -n "$list" ]; then echo "$cmd"; continue; fi
    command -v "$cmd" >/dev/null 2>&1 && continue
    missing="${missing:+$missing, }$cmd"
    case " $packages " in *" $pkg "*) ;; *) packages="${packages:+$packages }$pkg" ;; esac
  done <<TABLE_END
$TABLE
TABLE_END
}

check
[ -z "$list" ] || exit 0
[ -n "$packages" ] || exit 0

root=
[ "$(id -u 2>/dev/null || true)" = 0 ] && root=1
if [ -n "$root" ] && command -v apt-get >/dev/null 2>&1; then
  echo "npm $purpose: installing $packages (for $missing)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # $packages unquoted on purpose: one argument per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages
  check
  [ -n "$packages" ] || exit 0
  echo "npm $purpose: still missing after apt-get install: $missing" >&2
  exit 1
fi

sudo=sudo
[ -n "$root" ] && sudo=
echo "npm $purpose needs $missing; install with:" >&2
echo "  ${sudo:+$sudo }apt-get install --no-install-recommends $packages" >&2
exit 1
