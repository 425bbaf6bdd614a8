#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian package the Debian way: copies the source tree (without build directories and
# .git) to OUTDIR/relaywatch-VERSION, puts packaging/debian there as debian/, and runs
# dpkg-buildpackage -b -jauto in it (dh with the cmake build system, dpkg-buildflags hardening,
# one compiler per CPU). The source tree itself gets no debian/ directory.
#   OUTDIR/relaywatch_VERSION-REVISION_ARCH.deb      the package (and its -dbgsym, .buildinfo,
#                                                    .changes)
# Needs: sh packaging/install-deps.sh --deb (debhelper, dpkg-dev and the build dependencies).
# Usage: sh packaging/build-deb.sh [OUTDIR]      (default: build-deb in the source tree)
# Prints the path of the .deb on its last line.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(sed -n 's/^project(relaywatch VERSION \([0-9.]*\) .*/\1/p' "$top/CMakeLists.txt")
changelog_version=$(sed -n '1s/^relaywatch (\([^)]*\)).*/\1/p' "$top/packaging/debian/changelog")
case "$changelog_version" in
  "$version"-*) ;;
  *) echo "build-deb.sh: packaging/debian/changelog is at $changelog_version, CMakeLists.txt at $version" >&2
     exit 1 ;;
esac
command -v dh >/dev/null && command -v dpkg-buildpackage >/dev/null || {
  echo "build-deb.sh: debhelper is not installed: sh packaging/install-deps.sh --deb" >&2
  exit 1
}

stage=$out/relaywatch-$version
rm -rf "$stage"
mkdir -p "$stage"
# The tree as a release tarball holds it: no builds (build*, also OUTDIR when it is inside the
# tree), no .git.
(cd "$top" && tar --exclude='./build*' --exclude=./.git --exclude=./.cache \
  --exclude="./${out#"$top"/}" -cf - .) | tar -C "$stage" -xf -
cp -R "$top/packaging/debian" "$stage/debian"

arch=$(dpkg --print-architecture)
rm -f "$out/relaywatch_${changelog_version}_$arch.deb"
(cd "$stage" && dpkg-buildpackage -b -us -uc -jauto) >"$out/build.log" 2>&1 || {
  tail -40 "$out/build.log" >&2
  echo "build-deb.sh: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
  exit 1
}
echo "$out/relaywatch_${changelog_version}_$arch.deb"
