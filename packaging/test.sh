#!/bin/sh
# Builds relaywatch with warnings as errors and runs every test, then the sanitizer tier:
#   1. the release build (gcc) and all of ctest: unit, integration, the guards (tests/guards: the
#      pure stages' includes and calls, the stages' DEPS against their includes, clang-format-14
#      over every C++ file), and the
#      packaging tests (the .deb built with debhelper, lintian, installed in a debootstrapped
#      root; rpmbuild -ta and rpmlint); about 5 minutes of tests on 2 cores, plus the two package
#      builds, each a full compile (about 4.5 CPU minutes each without ccache; with a warm ccache
#      about 85 s together);
#   2. one clang build (BUILD_DIR-san) with AddressSanitizer + UndefinedBehaviorSanitizer halting
#      on the first error and libFuzzer instrumentation (RELAYWATCH_FUZZ=ON): the unit tests under
#      the sanitizers (ctest -L unit; integration tests are not run there), each fuzz harness over
#      its saved corpus (ctest -L fuzz: the regression seeds of past findings), then each harness
#      fuzzing for RELAYWATCH_FUZZ_SECONDS (default 20) s, two at a time (tests/fuzz/run.sh).
# Both builds go through ccache when it is installed. Installs the Debian 12 packages it needs
# first (apt, as root or through sudo). RELAYWATCH_SANITIZER_TIER=0 skips step 2.
# Usage: sh packaging/test.sh [BUILD_DIR]      (default: build-test)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build-test}
"$top/packaging/install-deps.sh" --test
launcher=""
command -v ccache >/dev/null 2>&1 && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
# shellcheck disable=SC2086  # $launcher is one option or none
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DRELAYWATCH_WERROR=ON $launcher >/dev/null
cmake --build "$build" -j "$(nproc)"
(cd "$build" && ctest --output-on-failure -j "$(nproc)" --timeout 300)

[ "${RELAYWATCH_SANITIZER_TIER:-1}" = 0 ] && exit 0
san=$build-san
# -O1 and line tables: fast enough to fuzz, cheap to build, symbolized reports.
# shellcheck disable=SC2086
CC=clang CXX=clang++ cmake -S "$top" -B "$san" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DRELAYWATCH_FUZZ=ON $launcher \
  >/dev/null
# Line tables name the sources by absolute path; ccache may still share the objects between
# checkouts (base_dir) when it does not hash the directory.
CCACHE_NOHASHDIR=true cmake --build "$san" -j "$(nproc)" --target unit_tests fuzz_harnesses
symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd "$san" && ctest --output-on-failure -j "$(nproc)" -L 'unit|fuzz' --timeout 300)
sh "$top/tests/fuzz/run.sh" "$san" "${RELAYWATCH_FUZZ_SECONDS:-20}" 2
