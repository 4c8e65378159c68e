#!/bin/sh
# npm's `prepare`: builds dist/ whenever npm builds this package from source (npm ci or npm install
# in a checkout, npm pack, npm pack or npm install of a git URL).
#
# `npm install -g <git URL>` alone cannot work with npm up to at least 11.19: it prepares the clone
# with a nested install that inherits -g, so the clone gets no devDependencies (no tsc), and the
# nested install links the temporary clone into the global prefix (npm/cli#8440, #4148). Say so,
# with the command that does work, instead of "tsc: not found".
set -eu
if [ ! -x node_modules/.bin/tsc ] && [ "${npm_config_global:-}" = true ]; then
  echo 'ansible-otel-sidecar: npm cannot install a git URL globally (npm/cli#8440): it builds the clone without its devDependencies.' >&2
  echo 'ansible-otel-sidecar: pack it first, then install the tarball: npm install -g "$(npm pack --silent <the git URL>)"' >&2
  exit 1
fi
exec node_modules/.bin/tsc -p tsconfig.json
