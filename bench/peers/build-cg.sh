#!/bin/sh
# Builds the `cg` peer of the shim section (community.general.opentelemetry and the
# opentelemetry-python it imports) from source at pinned release tags, into a cache directory that
# `npm run bench` uses when present. Nothing built here is committed: community.general is GPL, and
# neither is this project's code. No registry here serves opentelemetry-python, so it comes from
# git; its other dependencies come from Debian.
#
#   sh bench/peers/build-cg.sh
#
# Git repositories: OTEL_PYTHON_GIT, CG_GIT and COMMON_PROTOS_GIT may name local (bare) clones of
#   github.com/open-telemetry/opentelemetry-python, github.com/ansible-collections/community.general
#   and github.com/googleapis/python-api-common-protos; unset, they are cloned from GitHub.
# Output: ANSIBLE_OTEL_BENCH_CG, default ${XDG_CACHE_HOME:-~/.cache}/ansible-otel-bench/cg:
#   site/                                          the Python packages (PYTHONPATH)
#   collections/ansible_collections/community/general/   the callback (ANSIBLE_COLLECTIONS_PATH)
set -eu
# ansible's Python (Debian's), not whichever python3 is first on PATH
PY=${PYTHON:-/usr/bin/python3}

# community.general 9 is the last release line that supports Debian 12's ansible-core 2.14;
# opentelemetry-python 1.27 the last whose generated protobuf code runs on Debian 12's protobuf 3.21;
# googleapis-common-protos 1.63 (the gRPC exporter imports google.rpc) the last that accepts it too.
CG_TAG=9.5.13
OTEL_TAG=v1.27.0
PROTOS_TAG=v1.63.2

OUT=${ANSIBLE_OTEL_BENCH_CG:-${XDG_CACHE_HOME:-$HOME/.cache}/ansible-otel-bench/cg}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  # What the packages need, from Debian (pip below installs nothing else: --no-deps --no-index).
  apt-get install -y -qq python3-pip python3-hatchling python3-setuptools python3-protobuf python3-grpcio \
    python3-requests python3-deprecated python3-wrapt python3-importlib-metadata python3-typing-extensions >/dev/null
fi

# extract REPO_VAR URL TAG DIR: the tree of TAG, from the local clone if given, else from GitHub
extract() {
  git_dir=$(eval "printf %s \"\${$1:-}\"")
  if [ -z "$git_dir" ]; then
    git_dir="$WORK/$(basename "$2").git"
    git clone -q --bare --filter=blob:none "$2" "$git_dir"
  fi
  mkdir -p "$4"
  git --git-dir="$git_dir" archive "$3" | tar -x -C "$4"
}

extract OTEL_PYTHON_GIT https://github.com/open-telemetry/opentelemetry-python "$OTEL_TAG" "$WORK/otel"
extract COMMON_PROTOS_GIT https://github.com/googleapis/python-api-common-protos "$PROTOS_TAG" "$WORK/protos"
extract CG_GIT https://github.com/ansible-collections/community.general "$CG_TAG" "$WORK/cg"

rm -rf "$OUT.new"
mkdir -p "$OUT.new/site" "$OUT.new/collections/ansible_collections/community/general"
o="$WORK/otel"
# Debian 12's hatchling predates the "Framework :: OpenTelemetry" trove classifier and refuses it.
find "$o" -name pyproject.toml -exec sed -i '/Framework :: OpenTelemetry/d' {} +
# pip for the metadata too: the API finds its context and the SDK its resource detectors by entry point.
"$PY" -m pip install -q --no-deps --no-index --no-build-isolation --disable-pip-version-check --target "$OUT.new/site" \
  "$o/opentelemetry-api" "$o/opentelemetry-semantic-conventions" "$o/opentelemetry-sdk" "$o/opentelemetry-proto" \
  "$o/exporter/opentelemetry-exporter-otlp-proto-common" "$o/exporter/opentelemetry-exporter-otlp-proto-http" \
  "$o/exporter/opentelemetry-exporter-otlp-proto-grpc" "$WORK/protos"
# The collection: only the callback and the metadata ansible reads.
cg="$OUT.new/collections/ansible_collections/community/general"
cp "$WORK/cg/galaxy.yml" "$cg/"
mkdir -p "$cg/meta" "$cg/plugins/callback"
cp "$WORK/cg/meta/runtime.yml" "$cg/meta/"
cp "$WORK/cg/plugins/callback/opentelemetry.py" "$cg/plugins/callback/"
printf 'community.general %s, opentelemetry-python %s, googleapis-common-protos %s\n' "$CG_TAG" "$OTEL_TAG" "$PROTOS_TAG" >"$OUT.new/VERSION"

# The callback imports; fail here rather than in the bench.
PYTHONPATH="$OUT.new/site" "$PY" -c 'import opentelemetry.exporter.otlp.proto.grpc.trace_exporter, opentelemetry.exporter.otlp.proto.http.trace_exporter, opentelemetry.sdk.trace'
rm -rf "$OUT"
mv "$OUT.new" "$OUT"
echo "built $(cat "$OUT/VERSION") into $OUT"
