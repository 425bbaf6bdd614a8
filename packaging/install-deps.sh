#!/bin/sh
# Installs the Debian 12 packages relaywatch needs to build, test and run its demo
# (no option: build; --deb: build the Debian package; --demo: the demo; --test: every test).
# Idempotent: packages already present are left alone, so a second run costs one dpkg query.
set -eu
BUILD_PKGS="build-essential cmake pkg-config libboost-dev libboost-system-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libgtest-dev libgmock-dev libssl-dev libhiredis-dev"
# --deb: what packaging/build-deb.sh needs on top (dpkg-buildpackage, dh with its cmake support).
DEB_PKGS="dpkg-dev debhelper"
TEST_PKGS="daemontools redis-server python3-aiosmtpd python3-prometheus-client msmtp-mta openssl ca-certificates man-db groff-base systemd"
# The packaging tests: lintian on the .deb, a clean Debian root to install it in, rpmbuild and
# rpmlint for the spec.
PKG_TEST_PKGS="lintian debootstrap rpm rpmlint"
# The sanitizer tier of packaging/test.sh: clang, libFuzzer and the sanitizer runtimes
# (libclang-rt-14-dev), llvm-symbolizer for readable reports (llvm-14), ccache for its rebuilds.
FUZZ_PKGS="clang libclang-rt-14-dev llvm-14 ccache"
# tests/guards/check_format.sh (the ctest test guard.format).
FORMAT_PKGS="clang-format-14"
want="$BUILD_PKGS"
case "${1:-}" in
  --deb) want="$BUILD_PKGS $DEB_PKGS" ;;
  --demo) want="$BUILD_PKGS $TEST_PKGS" ;;
  --test) want="$BUILD_PKGS $DEB_PKGS $TEST_PKGS $PKG_TEST_PKGS $FUZZ_PKGS $FORMAT_PKGS" ;;
esac
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
echo "relaywatch: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
# msmtp-mta asks about AppArmor through debconf; noninteractive takes the default.
$SUDO apt-get install -y -q --no-install-recommends $missing >&2
