#!/bin/sh
# The second pass of `npm test`: the suites that drive real ansible-playbook runs, again on
# Debian 13's ansible-core 2.19 (scripts/ansible-core-2.19.sh, cached after its first run), selected
# by OTEL_TEST_ANSIBLE_BIN. The first pass ran everything on the system's ansible-core (2.14) and
# test/integration/same-trace.test.ts compared features.yml on both.
#
#   sh scripts/test-ansible-2.19.sh [vitest args…]
set -eu
cd "$(dirname "$0")/.."
ap=$(sh scripts/ansible-core-2.19.sh)
OTEL_TEST_ANSIBLE_BIN=$(dirname "$ap")
export OTEL_TEST_ANSIBLE_BIN
# One line per suite: span tree, secrets and canary, console formats, runner import (Debian's
# ansible-runner runs the ansible-playbook first on PATH), failure details, recap counts, notify
# placement, the critical path's hard cases.
npx vitest run \
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
