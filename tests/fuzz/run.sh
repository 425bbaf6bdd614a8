#!/bin/sh
# Fuzzes every harness of a RELAYWATCH_FUZZ build for a while, JOBS at a time, starting from its
# saved corpus (tests/fuzz/corpus/<name>, never written to: new inputs go to a scratch dir) and the
# fixtures that fit it. Fails, with the harness's report and the crashing input's path, when any
# harness finds a crash, a leak, a broken invariant or an input slower than 10 s.
# Usage: sh tests/fuzz/run.sh BUILD_DIR [SECONDS_EACH] [JOBS] [HARNESS...]
#   (defaults: 20 s, 2 at a time, every harness built)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$here/../fixtures
build=$1
programs=$build/tests/fuzz  # the harness programs, fuzz_<name>, of the build
seconds=${2:-20}
jobs=${3:-2}
if [ $# -gt 3 ]; then shift 3; else set --; fi
if [ $# -eq 0 ]; then
  for f in "$programs"/fuzz_*; do
    [ -x "$f" ] && set -- "$@" "${f##*/fuzz_}"
  done
fi
[ $# -gt 0 ] || { echo "run.sh: no fuzz harness in $programs" >&2; exit 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/relaywatch-fuzz.XXXXXX")

fuzz_one() {  # name
  name=$1
  mkdir -p "$out/$name/new" "$out/$name/crash"
  extra=""
  flags=""
  case $name in
    config) extra="$fixtures/configs" ;;
    run_script) extra="$fixtures/log-run" ;;
    # Long inputs hold many lines and features; libFuzzer's bookkeeping of them costs more than
    # the run: short ones go about four times as fast (ctest fuzz.pipeline replays them whole).
    pipeline) flags="-max_len=1024" ;;
  esac
  # shellcheck disable=SC2086  # $extra is one directory or none, $flags one option or none
  if "$programs/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$out/$name/crash/" $flags \
      "$out/$name/new" "$here/corpus/$name" $extra >"$out/$name/log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name/log")
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$out/$name/log" | tail -n 1)
    note=""
    grep -q "ERROR: libFuzzer: timeout" "$out/$name/log" && note=" (stopped early at a timeout)"
    echo "fuzz $name: ok, $runs runs in ${seconds}s, $cov$note"
  else
    echo "fuzz $name: FAILED; input kept in $out/$name/crash/" >&2
    tail -n 40 "$out/$name/log" >&2
    return 1
  fi
}

status=0
pids=""
running=0
for name in "$@"; do
  fuzz_one "$name" &
  pids="$pids $!"
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    for pid in $pids; do wait "$pid" || status=1; done
    pids=""
    running=0
  fi
done
for pid in $pids; do wait "$pid" || status=1; done
[ "$status" = 0 ] && rm -rf "$out"
exit "$status"
