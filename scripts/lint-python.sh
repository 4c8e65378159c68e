#!/bin/sh
# Lints the repository's Python, in `npm test` before the test runs (a second or two): the shim
# (plugin/), its tests (test/shim/) and the bench's Python (bench/). Debian's pyflakes3 finds
# unused imports and variables, undefined and redefined names; pycodestyle checks the layout
# (configured in setup.cfg). Both come from scripts/system-deps.sh (npm's pretest).
set -eu
cd "$(dirname "$0")/.."
files=$(find plugin test/shim bench -name '*.py' | LC_ALL=C sort)
# $files unquoted on purpose: one argument per file (the paths hold no spaces)
pyflakes3 $files
pycodestyle $files
