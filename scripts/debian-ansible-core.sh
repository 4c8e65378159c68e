#!/bin/sh
# A newer Debian release's ansible-core next to the system's 2.14, installed nowhere: the .debs
# are fetched through a private apt state (its own sources list, lists and cache) and unpacked
# into a cache directory, with one wrapper per CLI.
#
#   sh scripts/debian-ansible-core.sh trixie|sid [DIR]   prints the path of the ansible-playbook wrapper
#
# trixie (Debian 13, ansible-core 2.19) runs on this machine's /usr/bin/python3 with bookworm's
# jinja2, yaml, cryptography, packaging and resolvelib. sid (the newest, 2.22 today) refuses
# Python < 3.13, so it runs on pyenv's 3.13 (`pyenv versions`) with sid's own jinja2, markupsafe,
# yaml, packaging and resolvelib unpacked beside it (pure Python: their C speedups are built for
# another Python and are not loaded), and for ansible-vault the system's cryptography 38 (stable-ABI
# extensions) with a _cffi_backend compiled here for 3.13 from bookworm's python-cffi source;
# without a pyenv 3.13 it says so on stderr and exits 3. docs/compatibility.md says why this works.
#
# DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/ansible-otel/ansible-core-<2.19|sid>. A second run
# finds the wrapper and only prints it. The mirror is the one the machine's own sources name
# (deb.debian.org); $DEBIAN_MIRROR overrides it.
set -eu

suite=${1:-}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/ansible-otel
case "$suite" in
  trixie)
    dir=${2:-$cache/ansible-core-2.19}
    suites=trixie
    packages=ansible-core
    python=/usr/bin/python3
    ;;
  sid)
    dir=${2:-$cache/ansible-core-sid}
    suites=sid
    packages='ansible-core python3-jinja2 python3-markupsafe python3-yaml python3-packaging python3-resolvelib'
    root=${PYENV_ROOT:-$HOME/.pyenv}
    python=$(ls -d "$root"/versions/3.13*/bin/python3.13 2>/dev/null | tail -n 1 || true)
    if [ -z "$python" ] || [ ! -x "$python" ]; then
      echo "no Python 3.13 under $root/versions (pyenv): sid's ansible-core needs one" >&2
      exit 3
    fi
    ;;
  *)
    echo "usage: $0 trixie|sid [DIR]" >&2
    exit 2
    ;;
esac
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
wrapper=$dir/bin/ansible-playbook

if [ -x "$wrapper" ]; then
  echo "$wrapper"
  exit 0
fi

mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/deb"
cat >"$dir/apt/$suite.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suites
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: $mirror
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

# Everything apt reads or writes for this stays under $dir/apt: the system's lists, cache and
# sources are neither used nor touched (sources.list.d is replaced by /dev/null). The sandbox user
# is the caller: the private directories need not be readable by _apt.
apt() {
  apt-get -q \
    -o Dir::Etc::SourceList="$dir/apt/$suite.sources" \
    -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$dir/apt/lists" \
    -o Dir::Cache="$dir/apt/cache" \
    -o APT::Sandbox::User="$(id -un)" \
    "$@"
}

apt update >&2
rm -f "$dir"/deb/*.deb
# apt-get download writes into the current directory; the subshell keeps the caller's.
# $packages unquoted on purpose: one argument per package
(cd "$dir/deb" && apt download $packages >&2)
rm -rf "$dir/root"
for deb in "$dir"/deb/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
deb=$(ls "$dir"/deb/ansible-core_*.deb | tail -n 1)

site=$dir/root/usr/lib/python3/dist-packages
[ -d "$site/ansible" ] || {
  echo "$deb: no usr/lib/python3/dist-packages/ansible inside" >&2
  exit 1
}

# ansible-vault needs cryptography. sid's is built for OpenSSL 3.3 and a newer glibc than this
# machine's, and its cffi backend for 3.14+. The system's cryptography 38 loads on any Python 3
# (stable ABI) given a _cffi_backend for 3.13: compiled here from bookworm's python-cffi source,
# with its one call of an API that 3.13 removed replaced by the public one that took its place.
vault_support() {
  crypto=/usr/lib/python3/dist-packages/cryptography
  [ -d "$crypto" ] || { echo "no $crypto (python3-cryptography)"; return 1; }
  include=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
  suffix=$("$python" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
  rm -rf "$dir/cffi" && mkdir -p "$dir/cffi"
  (cd "$dir/cffi" && apt source --download-only python-cffi/bookworm >&2) || { echo "no python-cffi source"; return 1; }
  tar -xzf "$dir"/cffi/python-cffi_*.orig.tar.gz -C "$dir/cffi"
  src=$(ls -d "$dir"/cffi/cffi-*/c)
  sed 's/_PyErr_WriteUnraisableMsg(PyText_AS_UTF8(s), NULL);/PyErr_FormatUnraisable("%s", PyText_AS_UTF8(s));/' \
    "$src/_cffi_backend.c" >"$src/_cffi_backend_313.c"
  cc -shared -fPIC -O1 -w -I"$include" -I"$src" "$src/_cffi_backend_313.c" -lffi -o "$site/_cffi_backend$suffix" ||
    { echo "_cffi_backend did not compile (libffi-dev?)"; return 1; }
  ln -sfn "$crypto" "$site/cryptography"
}
if [ "$suite" = sid ]; then
  why=$(vault_support) || echo "debian-ansible-core.sh sid: ansible-vault will not work: $why" >&2
fi

# The package's /usr/bin/ansible-* are entry-point scripts for whatever python3 their #! names;
# each wrapper runs one on $python with the unpacked tree first on its path.
write_wrapper() {
  cat >"$dir/bin/$1.tmp" <<EOF
#!/bin/sh
# $1 of $(basename "$deb"), unpacked by scripts/debian-ansible-core.sh $suite.
PYTHONPATH="$site\${PYTHONPATH:+:\$PYTHONPATH}" exec $python "$dir/root/usr/bin/$1" "\$@"
EOF
  chmod +x "$dir/bin/$1.tmp"
  mv "$dir/bin/$1.tmp" "$dir/bin/$1"
}

# Every CLI gets a wrapper, so a caller can put $dir/bin first on PATH. ansible-playbook comes
# last: its presence means the rest is there (the check at the top).
mkdir -p "$dir/bin"
for script in "$dir"/root/usr/bin/ansible*; do
  cli=$(basename "$script")
  [ "$cli" = ansible-playbook ] || write_wrapper "$cli"
done
write_wrapper ansible-playbook
echo "$wrapper"
