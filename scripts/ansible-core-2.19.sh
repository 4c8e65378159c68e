#!/bin/sh
# Debian 13 (trixie)'s ansible-core 2.19 next to the system's 2.14, installed nowhere: the .deb is
# fetched through a private apt state (its own sources list, lists and cache) and unpacked into a
# cache directory. It runs on this machine's /usr/bin/python3 with bookworm's jinja2, yaml,
# cryptography, packaging and resolvelib (docs/compatibility.md says why that works).
#
#   sh scripts/ansible-core-2.19.sh [DIR]   prints the path of the ansible-playbook wrapper
#
# DIR defaults to $ANSIBLE_CORE_219_DIR, else
# ${XDG_CACHE_HOME:-$HOME/.cache}/ansible-otel/ansible-core-2.19. A second run finds the wrapper
# and only prints it. The mirror is the one the machine's own sources name (deb.debian.org);
# $DEBIAN_MIRROR overrides it.
set -eu

dir=${1:-${ANSIBLE_CORE_219_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ansible-otel/ansible-core-2.19}}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
wrapper=$dir/bin/ansible-playbook

if [ -x "$wrapper" ]; then
  echo "$wrapper"
  exit 0
fi

mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/deb"
cat >"$dir/apt/trixie.sources" <<EOF
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

# Everything apt reads or writes for this stays under $dir/apt: the system's lists, cache and
# sources are neither used nor touched (sources.list.d is replaced by /dev/null). The sandbox user
# is the caller: the private directories need not be readable by _apt.
apt() {
  apt-get -q \
    -o Dir::Etc::SourceList="$dir/apt/trixie.sources" \
    -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$dir/apt/lists" \
    -o Dir::Cache="$dir/apt/cache" \
    -o APT::Sandbox::User="$(id -un)" \
    "$@"
}

apt update >&2
# apt-get download writes into the current directory; the subshell keeps the caller's.
(cd "$dir/deb" && apt download ansible-core >&2)
deb=$(ls "$dir"/deb/ansible-core_*.deb | tail -n 1)
rm -rf "$dir/root"
dpkg-deb -x "$deb" "$dir/root"

site=$dir/root/usr/lib/python3/dist-packages
[ -d "$site/ansible" ] || {
  echo "$deb: no usr/lib/python3/dist-packages/ansible inside" >&2
  exit 1
}

# The package's /usr/bin/ansible-* are entry-point scripts for whatever python3 their #! names;
# each wrapper runs one on /usr/bin/python3 with the unpacked tree first on its path.
write_wrapper() {
  cat >"$dir/bin/$1.tmp" <<EOF
#!/bin/sh
# $1 of $(basename "$deb"), unpacked by scripts/ansible-core-2.19.sh.
PYTHONPATH="$site\${PYTHONPATH:+:\$PYTHONPATH}" exec /usr/bin/python3 "$dir/root/usr/bin/$1" "\$@"
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
