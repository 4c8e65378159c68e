#!/bin/sh
# The shim's unittest suite, run by the Python that ansible-playbook itself runs on
# (Debian's /usr/bin/python3 has the ansible package; a pyenv python3 first on PATH may not).
set -eu
cd "$(dirname "$0")/.."
ap=$(command -v ansible-playbook) || { echo "ansible-playbook not found: install ansible-core" >&2; exit 1; }
py=$(head -n 1 "$ap" | sed -e 's/^#! *//' -e 's/ .*//')
case "$py" in */env) py=python3 ;; esac
exec "$py" -m unittest discover -s shim -t . "$@"
