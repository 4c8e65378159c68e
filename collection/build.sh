#!/bin/sh
# Builds the collection tarball into OUT (default: ./dist-collection) from collection/ and the
# shim in plugin/, without keeping a second copy of the shim in the repository.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/dist-collection"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$root/collection/." "$work/"
mkdir -p "$work/plugins/callback"
cp "$root/plugin/otel_sidecar.py" "$work/plugins/callback/otel_sidecar.py"
cp "$root/LICENSE" "$work/LICENSE"
mkdir -p "$out"
ansible-galaxy collection build --force --output-path "$out" "$work"
