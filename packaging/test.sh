#!/bin/sh
# Builds relaywatch with warnings as errors and runs every test, then the sanitizer tier:
#   1. the release build (gcc, CMake Release with the Debian package's flags and -Werror:
#      packaging/test-flags.sh) and all of ctest: unit, integration, the guards (tests/guards: the
#      pure stages' includes and calls, the stages' DEPS against their includes, clang-format-14
#      over every C++ file), and the packaging tests (the
#      .deb built with debhelper, lintian, installed in a debootstrapped root; rpmbuild -ta and
#      rpmlint). The packages are built with the release build's flags, so with ccache their
#      compile is the release build's: no source is compiled twice;
#   2. one clang build (BUILD_DIR-san) with AddressSanitizer + UndefinedBehaviorSanitizer halting
#      on the first error and libFuzzer instrumentation (RELAYWATCH_FUZZ=ON): the unit tests under
#      the sanitizers (ctest -L unit; integration tests are not run there), each fuzz harness over
#      its saved corpus (ctest -L fuzz: the regression seeds of past findings), then each harness
#      fuzzing for RELAYWATCH_FUZZ_SECONDS (default 10) s, two at a time (tests/fuzz/run.sh).
# Both builds go through ccache when it is installed, in the project's cache
# (/var/cache/relaywatch-test/ccache, or RELAYWATCH_CCACHE_DIR), with paths relative to the tree,
# so a fresh clone anywhere reuses the last run's objects (not those of the unit tests that compile
# the tree's absolute path in: RELAYWATCH_SOURCE_DIR). Each step prints its time. Measured as CI
# runs it (`.ci/run` in a fresh clone) on the 2-core machine while other builds ran on it (load
# average 2 to 7), the cache dir empty, then a second clone elsewhere:
#   step                                     empty cache   warm cache
#   release build                                935 s        246 s
#   ctest, 814 tests (.deb 68/58 s, RPM 7/6 s)   220 s        206 s
#   sanitizer build                              449 s         65 s
#   sanitizer ctest (unit, fuzz corpora)          46 s         25 s
#   fuzzing, 9 harnesses x 10 s                   62 s         57 s
#   total                                       1713 s        603 s
# Before (Release -O3 build; each package compiled on its own; 20 s of fuzzing): ctest alone
# took 629 s, 464 s of it the .deb (442 s its compile; the RPM 8.5 s, its compile found in
# another cache, otherwise one more full compile), the fuzzing 100 s; CI's last run 1198 s.
# Installs the Debian 12 packages it needs first (apt, as root or through sudo).
# RELAYWATCH_SANITIZER_TIER=0 skips step 2.
# Usage: sh packaging/test.sh [BUILD_DIR]      (default: build-test)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build-test}
t_start=$(date +%s)
t_step=$t_start
took() {  # took STEP: how long STEP took, and the run so far
  now=$(date +%s)
  echo "test.sh: $1: $((now - t_step)) s (total $((now - t_start)) s)"
  t_step=$now
}
"$top/packaging/install-deps.sh" --test
. "$top/packaging/test-flags.sh"
test_flags_ccache "$top"
command -v ccache >/dev/null 2>&1 && ccache --zero-stats >/dev/null
launcher=""
command -v ccache >/dev/null 2>&1 && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
# The packages' flags, -Werror among them (so not RELAYWATCH_WERROR, which would put it elsewhere
# on the command line and give ccache another hash): packaging/test-flags.sh.
# shellcheck disable=SC2086  # $launcher is one option or none
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="$(test_flags_cxx "$top")" \
  -DCMAKE_EXE_LINKER_FLAGS="$(test_flags_ld)" $launcher >/dev/null
took "configure"
cmake --build "$build" -j "$(nproc)"
took "release build"
(cd "$build" && ctest --output-on-failure -j "$(nproc)" --timeout 300)
took "ctest (unit, integration, packaging)"

[ "${RELAYWATCH_SANITIZER_TIER:-1}" = 0 ] && exit 0
san=$build-san
# -O1 and line tables: fast enough to fuzz, cheap to build, symbolized reports.
# shellcheck disable=SC2086
CC=clang CXX=clang++ cmake -S "$top" -B "$san" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DRELAYWATCH_FUZZ=ON $launcher \
  >/dev/null
# Line tables name the sources by absolute path; ccache still shares the objects between
# checkouts: it hashes paths relative to the tree (CCACHE_BASEDIR) and not the directory.
cmake --build "$san" -j "$(nproc)" --target unit_tests fuzz_harnesses
took "sanitizer build"
symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd "$san" && ctest --output-on-failure -j "$(nproc)" -L 'unit|fuzz' --timeout 300)
took "sanitizer ctest (unit, fuzz corpora)"
sh "$top/tests/fuzz/run.sh" "$san" "${RELAYWATCH_FUZZ_SECONDS:-10}" 2
took "fuzzing"
if command -v ccache >/dev/null 2>&1; then ccache --show-stats | grep -E '^ *(Hits|Misses|Cache size)' || true; fi
