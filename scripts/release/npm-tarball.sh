#!/bin/sh
# The npm tarball of a commit, built the way npm builds a package from a git URL: `npm pack` of the
# URL clones the commit, installs its locked dependencies (devDependencies too), runs `prepare`
# (tsc) and packs the package's `files`. Nothing of this checkout's node_modules or dist/ gets in.
# The release workflow runs it; so does test/integration/packaging.test.ts, which installs the result.
#
# Usage: npm-tarball.sh OUT_DIR [GIT_URL]   (default: this repository at HEAD)
# Prints the tarball's path.
set -eu
out=${1:?usage: npm-tarball.sh OUT_DIR [GIT_URL]}
root=$(cd "$(dirname "$0")/../.." && pwd)
url=${2:-"git+file://$root#$(git -C "$root" rev-parse HEAD)"}
mkdir -p "$out"
out=$(cd "$out" && pwd)
name=$(npm pack --silent --pack-destination "$out" "$url" | tail -n 1)
echo "$out/$name"
