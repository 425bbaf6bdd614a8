#!/bin/sh
# Lists the C++ files under src/, include/ and tests/ that clang-format-14 would change (the
# repo's .clang-format), and exits 1 if there is any. tests/guards/fixtures/ is left out: its files
# break rules on purpose. The ctest test guard.format runs it.
# Usage: sh tests/guards/check_format.sh [SOURCE_DIR]      (default: this checkout)
set -eu
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
format=${CLANG_FORMAT:-clang-format-14}
if ! command -v "$format" >/dev/null 2>&1; then
  echo "check_format: $format not found (packaging/install-deps.sh --test installs it)" >&2
  exit 2
fi
list=$(mktemp)
out=$(mktemp)
trap 'rm -f "$list" "$out"' EXIT
dirs=$(for d in src include tests; do [ -d "$d" ] && echo "$d"; done)
# shellcheck disable=SC2086  # $dirs: words without spaces
find $dirs -path tests/guards/fixtures -prune -o -type f \
  \( -name '*.h' -o -name '*.hpp' -o -name '*.cpp' -o -name '*.cc' \) -print |
  LC_ALL=C sort >"$list"
total=$(wc -l <"$list")
# One run over every file; each offender's first difference is reported as FILE:LINE:COL: error:.
status=0
xargs "$format" --dry-run -Werror --ferror-limit=1 <"$list" >"$out" 2>&1 || status=$?
offenders=$(sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: .*/\1/p' "$out" | LC_ALL=C sort -u)
if [ -n "$offenders" ]; then
  echo "$offenders"
  echo "check_format: $(echo "$offenders" | wc -l) of $total files differ from .clang-format" \
    "(to fix one: $format -i FILE)"
  exit 1
fi
if [ "$status" != 0 ]; then  # failed without naming a file: a bad .clang-format, a crash
  cat "$out" >&2
  echo "check_format: $format failed (exit $status)" >&2
  exit 2
fi
echo "check_format: $total files formatted"
