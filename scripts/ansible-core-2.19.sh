#!/bin/sh
# Debian 13 (trixie)'s ansible-core 2.19 next to the system's 2.14 (scripts/debian-ansible-core.sh).
#
#   sh scripts/ansible-core-2.19.sh [DIR]   prints the path of the ansible-playbook wrapper
#
# DIR defaults to $ANSIBLE_CORE_219_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/ansible-otel/ansible-core-2.19.
set -eu
exec sh "$(dirname "$0")/debian-ansible-core.sh" trixie "${1:-${ANSIBLE_CORE_219_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ansible-otel/ansible-core-2.19}}"
