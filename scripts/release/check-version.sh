#!/bin/sh
# A release tag names the version both packages carry: vX.Y.Z = package.json = collection/galaxy.yml.
# Usage: check-version.sh TAG. Prints the version.
set -eu
tag=${1:?usage: check-version.sh TAG}
root=$(cd "$(dirname "$0")/../.." && pwd)
npm=$(node -p 'require(process.argv[1]).version' "$root/package.json")
galaxy=$(sed -n 's/^version: *//p' "$root/collection/galaxy.yml")
if [ "$tag" != "v$npm" ] || [ "$galaxy" != "$npm" ]; then
  echo "release tag $tag, package.json $npm, collection/galaxy.yml $galaxy: they must agree (tag v$npm)" >&2
  exit 1
fi
echo "$npm"
