#!/bin/sh
# The shim's unittest suite, run by the Python that ansible-playbook itself runs on
# (Debian's /usr/bin/python3 has the ansible package; a pyenv python3 first on PATH may not).
# OTEL_TEST_ANSIBLE_BIN=<dir> runs it on the ansible-playbook in <dir> instead (first on PATH):
# for a /bin/sh wrapper of scripts/ansible-core-2.19.sh, on the python and PYTHONPATH it execs.
set -eu
cd "$(dirname "$0")/.."
if [ -n "${OTEL_TEST_ANSIBLE_BIN:-}" ]; then
  PATH=$OTEL_TEST_ANSIBLE_BIN:$PATH
  export PATH
fi
ap=$(command -v ansible-playbook) || { echo "ansible-playbook not found: install ansible-core" >&2; exit 1; }
py=$(head -n 1 "$ap" | sed -e 's/^#! *//' -e 's/ .*//')
case "$py" in
  */env) py=python3 ;;
  /bin/sh)
    site=$(sed -n 's/^PYTHONPATH="\([^"$]*\).*/\1/p' "$ap")
    py=$(sed -n 's/^.* exec \([^ ]*\) .*/\1/p' "$ap")
    [ -n "$site" ] && [ -n "$py" ] || { echo "$ap: not a wrapper of scripts/ansible-core-2.19.sh (no PYTHONPATH=… exec python)" >&2; exit 1; }
    PYTHONPATH=$site${PYTHONPATH:+:$PYTHONPATH}
    export PYTHONPATH
    ;;
esac
"$py" -c 'import ansible.release as r, sys; sys.stderr.write("shim tests on ansible-core %s\n" % r.__version__)'
exec "$py" -m unittest discover -s shim -t . "$@"
