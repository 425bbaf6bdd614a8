#!/bin/sh
# report_histogram_test.sh RELAYWATCH: `relaywatch report --user` draws under each finding how its
# count developed over the window (alerting/histogram.h): Unicode block characters when the
# locale (LC_ALL, LC_CTYPE, LANG) is UTF-8, ASCII otherwise or with --ascii; no histogram without
# --user; the JSON carries the same counts as "slices". The log is hand-stamped: burst@example.com
# relays 1 recipient at 10:00, 2 at 10:20, 4 at 10:40 and 8 at 10:59 (UTC), the 15th reaching the
# limit of 15 in 1h, so the finding's 60 one-minute slices are 1, 2, 4, 8 at 0, 20, 40 and 59.
set -u
bin=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rw-hist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mkdir -p "$tmp/log"
/usr/bin/python3 - "$tmp/log/current" <<'PY' || fail "writing the log failed"
import calendar, sys
base = calendar.timegm((2026, 11, 28, 10, 0, 0))
def tai(s):
    return "@%016x%08x" % (s + (1 << 62) + 10, 0)
lines = []
for minute, n in ((0, 1), (20, 2), (40, 4), (59, 8)):
    for i in range(n):
        lines.append("%s CHKUSER relaying rcpt: from <burst@example.com:burst@example.com:> "
                     "remote <pc:unknown:203.0.113.7> rcpt <r%d@gmail.example> : client allowed "
                     "to relay\n" % (tai(base + minute * 60 + i), i))
open(sys.argv[1], "w").write("".join(lines))
PY
printf 'rules:\n  - {name: hourly-volume, kind: volume, window: 1h, limit: 15}\n' >"$tmp/rules.yaml"

# report OUT LANG [options...]: the text report of the log with LANG set, LC_ALL and LC_CTYPE not.
report() {
  out=$1
  lang=$2
  shift 2
  env -u LC_ALL -u LC_CTYPE LANG="$lang" TZ=UTC "$bin" report -c "$tmp/rules.yaml" \
    --dir "$tmp/log" "$@" >"$tmp/$out" 2>"$tmp/err" || fail "$out: report exited $?: $(cat "$tmp/err")"
}

gap() { printf "%$1s" ''; }
unicode="      |▁$(gap 19)▂$(gap 19)▄$(gap 18)█| 1m each, peak 8"
ascii="      |.$(gap 19):$(gap 19)=$(gap 18)#| 1m each, peak 8"

report utf8.txt C.UTF-8 --user burst@example.com
grep -qxF "$unicode" "$tmp/utf8.txt" || fail "LANG=C.UTF-8 --user: no Unicode histogram line"
# The line right under the finding's row.
grep -A1 -E '^  2026-11-28 10:00:00 \.\. 10:59:07 +hourly-volume +burst@example\.com +15 +15 +1h$' \
  "$tmp/utf8.txt" | tail -n 1 | grep -qxF "$unicode" || fail "the histogram is not under its finding"

report c.txt C --user burst@example.com
grep -qxF "$ascii" "$tmp/c.txt" || fail "LANG=C --user: no ASCII histogram line"

report ascii.txt en_US.UTF-8 --user burst@example.com --ascii
grep -qxF "$ascii" "$tmp/ascii.txt" || fail "--ascii: no ASCII histogram line"

# LC_ALL wins over LANG.
LC_ALL=C LANG=C.UTF-8 TZ=UTC "$bin" report -c "$tmp/rules.yaml" --dir "$tmp/log" \
  --user burst@example.com >"$tmp/lcall.txt" 2>"$tmp/err" || fail "LC_ALL=C: report exited $?"
grep -qxF "$ascii" "$tmp/lcall.txt" || fail "LC_ALL=C LANG=C.UTF-8: not ASCII"

report all.txt C.UTF-8
grep -qF "FINDINGS (1)" "$tmp/all.txt" || fail "without --user: the finding is missing"
grep -qF "1m each" "$tmp/all.txt" && fail "without --user: a histogram line"

env LANG=C.UTF-8 TZ=UTC "$bin" report --format json -c "$tmp/rules.yaml" --dir "$tmp/log" \
  --user burst@example.com >"$tmp/r.json" 2>"$tmp/err" || fail "json: report exited $?"
/usr/bin/python3 - "$tmp/r.json" <<'PY' || fail "json: the finding's slices"
import json, sys
f = json.load(open(sys.argv[1]))["findings"]
want = [0] * 60
want[0], want[20], want[40], want[59] = 1, 2, 4, 8
assert len(f) == 1 and f[0]["slices"] == want, f
PY

if [ "$failures" -ne 0 ]; then
  for t in utf8 c ascii all; do echo "--- $t:"; cat "$tmp/$t.txt"; done
  exit 1
fi
echo "ok: report --user histograms"
