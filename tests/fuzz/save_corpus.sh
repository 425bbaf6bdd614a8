#!/bin/sh
# Rewrites tests/fuzz/corpus/NAME as the smallest set of inputs that keeps the coverage edges of
# the saved corpus plus the inputs in DIR... (libFuzzer -merge=1, edges only: -use_counters=0).
# Regression seeds of findings (files named finding-*) are always kept as they are.
# Usage: sh tests/fuzz/save_corpus.sh BUILD_DIR NAME DIR...
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$1
name=$2
shift 2
saved=$here/corpus/$name
tmp=$(mktemp -d "${TMPDIR:-/tmp}/relaywatch-corpus.XXXXXX")
mkdir -p "$tmp/merged" "$saved"
programs=$build/tests/fuzz  # the harness programs, fuzz_<name>, of the build
"$programs/fuzz_$name" -merge=1 -use_counters=0 -timeout=10 -rss_limit_mb=2048 \
  "$tmp/merged" "$saved" "$@" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
find "$saved" -type f ! -name 'finding-*' -delete
cp "$tmp/merged"/* "$saved"/ 2>/dev/null || true
rm -rf "$tmp"
echo "corpus/$name: $(find "$saved" -type f | wc -l) files, $(cat "$saved"/* | wc -c) bytes"
