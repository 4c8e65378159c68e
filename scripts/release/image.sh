#!/bin/sh
# The sidecar image of a release: Dockerfile target `sidecar` built over the release's own npm
# tarball (the `pkg` build context replaces the Dockerfile's own `pkg` stage), saved as a gzipped
# archive for `docker load`. Needs docker with BuildKit.
#
# Usage: image.sh NPM_TARBALL OUT_DIR. Prints the archive's path; the image's size goes to stderr.
set -eu
tgz=${1:?usage: image.sh NPM_TARBALL OUT_DIR}
out=${2:?usage: image.sh NPM_TARBALL OUT_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$(node -p 'require(process.argv[1]).version' "$root/package.json")
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$tgz" "$context/ansible-otel-sidecar.tgz"
image="ansible-otel-sidecar:$version"
docker build --target sidecar --build-context "pkg=$context" --tag "$image" "$root"
mkdir -p "$out"
archive="$out/ansible-otel-sidecar-image-$version.tar.gz"
docker save "$image" | gzip -9 > "$archive"
echo "$image: $(docker image inspect --format '{{.Size}}' "$image") bytes unpacked, $(wc -c < "$archive") bytes as $archive" >&2
echo "$archive"
