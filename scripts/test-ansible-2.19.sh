#!/bin/sh
# The second pass of `npm test`, on Debian 13's ansible-core 2.19 (scripts/test-newer-ansible.sh).
#
#   sh scripts/test-ansible-2.19.sh [vitest args…]
set -eu
exec sh "$(dirname "$0")/test-newer-ansible.sh" trixie "$@"
