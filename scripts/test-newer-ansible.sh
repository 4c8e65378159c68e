#!/bin/sh
# The later passes of `npm test`: the suites that drive real ansible-playbook runs, again on a newer
# Debian release's ansible-core (scripts/debian-ansible-core.sh, cached after its first run),
# selected by OTEL_TEST_ANSIBLE_BIN. The first pass ran everything on the system's ansible-core
# (2.14), and test/integration/same-trace.test.ts compared features.yml on 2.14 and 2.19.
#
#   sh scripts/test-newer-ansible.sh trixie|sid [vitest args…]
#
# sid's ansible-core needs pyenv's Python 3.13: without one the pass is skipped, with one line.
set -eu
cd "$(dirname "$0")/.."
suite=${1:?usage: $0 trixie|sid [vitest args…]}
shift
status=0
ap=$(sh scripts/debian-ansible-core.sh "$suite") || status=$?
if [ "$status" = 3 ]; then
  echo "skipping the ansible-core pass of Debian $suite: no Python 3.13 from pyenv on this machine" >&2
  exit 0
fi
[ "$status" = 0 ] || exit "$status"
OTEL_TEST_ANSIBLE_BIN=$(dirname "$ap")
export OTEL_TEST_ANSIBLE_BIN
# One line per suite: the differential corpus, semantic-conventions conformance, span tree,
# secrets and canary, console formats, runner import (Debian's ansible-runner runs the
# ansible-playbook first on PATH), failure details, recap counts, notify placement, the critical
# path's hard cases.
npx vitest run \
  test/differential \
  test/conformance/semconv.test.ts \
  test/integration/span-tree.test.ts \
  test/integration/secrets.test.ts \
  test/integration/console-formats.test.ts \
  test/integration/runner-import.test.ts \
  test/integration/failure-details.test.ts \
  test/integration/recap-counts.test.ts \
  test/integration/notify.test.ts \
  test/integration/critical-path.test.ts \
  "$@"
sh test/shim/run.sh
