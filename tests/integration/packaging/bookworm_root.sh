#!/bin/sh
# Prints the path of a tarball holding a clean Debian 12 (bookworm) root made by debootstrap
# (variant minbase, apt lists fetched), building it first when it is missing or older than 7 days.
# deb_test.sh unpacks it to install the package on a system nothing else has touched.
#
# Usage: bookworm_root.sh [MIRROR]      (default http://deb.debian.org/debian)
# Cache: $RELAYWATCH_TEST_CACHE (default /var/cache/relaywatch-test): bookworm-minbase.tar.gz,
# and apt-archives/ which deb_test.sh bind-mounts so packages are downloaded once.
# Exit 0 and the path on stdout; exit 1 with the reason on stderr when debootstrap cannot work
# (not root, no debootstrap, mirror unreachable).
set -eu
mirror=${1:-http://deb.debian.org/debian}
cache=${RELAYWATCH_TEST_CACHE:-/var/cache/relaywatch-test}
tarball=$cache/bookworm-minbase.tar.gz

say() { echo "bookworm_root: $*" >&2; }

if [ -f "$tarball" ] && [ -z "$(find "$tarball" -mtime +7)" ]; then
  echo "$tarball"
  exit 0
fi
[ "$(id -u)" = 0 ] || { say "unable to debootstrap: needs root"; exit 1; }
command -v debootstrap >/dev/null || { say "unable to debootstrap: debootstrap is not installed"; exit 1; }
mkdir -p "$cache/apt-archives/partial"
work=$(mktemp -d "$cache/root.XXXXXX")
cleanup() {
  # Never leave a mount behind, or rm would walk into the host's /proc.
  umount "$work/proc" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
say "creating a bookworm minbase root from $mirror (once; cached in $tarball)"
if ! debootstrap --variant=minbase --cache-dir="$cache/apt-archives" bookworm "$work" "$mirror" \
  >"$cache/debootstrap.log" 2>&1; then
  say "unable to debootstrap from $mirror: $(tail -n 3 "$cache/debootstrap.log" | tr '\n' ' ')"
  exit 1
fi
cp /etc/resolv.conf "$work/etc/resolv.conf"
mount -t proc proc "$work/proc"
# The lists go into the tarball, so a rerun needs no network as long as apt-archives holds
# the packages.
if ! chroot "$work" apt-get update -q >>"$cache/debootstrap.log" 2>&1; then
  say "unable to run apt-get update in the new root: $(tail -n 3 "$cache/debootstrap.log" | tr '\n' ' ')"
  exit 1
fi
chroot "$work" apt-get clean
umount "$work/proc"
chmod 0755 "$work"   # mktemp made it 0700; as the root directory that would lock out every user
tar -C "$work" -czf "$tarball.tmp" .
mv "$tarball.tmp" "$tarball"
echo "$tarball"
