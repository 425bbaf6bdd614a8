#!/bin/sh
# Builds relaywatch with warnings as errors and runs every test: unit, integration, and the
# packaging tests (the .deb built with debhelper, lintian, installed in a debootstrapped root;
# rpmbuild -ta and rpmlint); about 5 minutes of tests on 2 cores, plus the two package builds,
# each a full compile (about 4.5 CPU minutes each without ccache; with a warm ccache the two
# take about 85 seconds together).
# Installs the Debian 12 packages it needs first (apt, as root or through sudo).
# Usage: sh packaging/test.sh [BUILD_DIR]      (default: build-test)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build-test}
"$top/packaging/install-deps.sh" --test
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DRELAYWATCH_WERROR=ON >/dev/null
cmake --build "$build" -j "$(nproc)"
cd "$build"
ctest --output-on-failure -j "$(nproc)" --timeout 300
