#!/bin/sh
# report_day_test.sh RELAYWATCH SOURCE_DIR: a generated day of 300,000 lines from 2,500 logins,
# reported by relaywatch and counted by an independent script; both must agree exactly.
#
# tests/tools/gen_day.py writes two multilog directories (submission and smtp, archives @….s and
# current); relaywatch report --all --format json reads them with report_day_config.json, a config
# with every rule kind (two volume rules with overrides, two sender rules with aliases, allow
# globs, exempt and default_domain, remote-ips, service-policy, rcpt-limit).
# tests/tools/independent_count.py counts the same files its own way; compare_report.py compares
# lines, every user's recipients, foreign senders, remote IPs and peaks, and every finding (ids,
# states, counts, first and last stamps included). Then the same for three ranges of the day
# (--since/--until, TZ=UTC; the part before --since only warms the windows) and for --date, and
# for a smaller day under a second config.
#
# Not tested here: qlog/simscan message counts, the `d` and syslog stamps, escalate/resolved,
# IPv6 HELO literals, lines out of stamp order (see the unit tests and report_multilog_test.sh).
# LINES and LOGINS in the environment shrink the day for a quick run.
set -eu
bin=$1
src=$2
tools=$src/tests/tools
lines=${LINES:-300000}
logins=${LOGINS:-2500}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rw-day.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
config=$src/tests/integration/report_day_config.json
dirs="--dir $tmp/logs/submission --dir $tmp/logs/smtp"

/usr/bin/python3 "$tools/gen_day.py" --seed 20261128 --lines "$lines" --logins "$logins" \
  --date 2026-11-28 --out "$tmp/logs"
echo "generated $(cat "$tmp"/logs/*/* | wc -l) lines in $(ls "$tmp"/logs/* | grep -c '^@') archives"

status=0
check() {  # check NAME [relaywatch report options...]; independent_count gets the same range
  name=$1
  shift
  # shellcheck disable=SC2086
  TZ=UTC "$bin" report --all --format json -c "$config" $dirs "$@" >"$tmp/got.json" \
    2>"$tmp/stderr" || { echo "$name: relaywatch report failed:"; cat "$tmp/stderr"; status=1; return; }
  range=""
  while [ $# -gt 0 ]; do
    case $1 in
      --since) range="$range --since $2"; shift 2 ;;
      --until) range="$range --until $2"; shift 2 ;;
      --date) range="$range --since ${2}T00:00Z --until $(date -u -d "$2 + 1 day" +%F)T00:00Z"
              shift 2 ;;
      *) shift ;;
    esac
  done
  # shellcheck disable=SC2086
  /usr/bin/python3 "$tools/independent_count.py" --config "$config" $dirs $range >"$tmp/want.json"
  echo "== $name"
  /usr/bin/python3 "$tools/compare_report.py" "$tmp/got.json" "$tmp/want.json" || status=1
}

check "whole day"
check "06:00-18:00" --since 2026-11-28T06:00:00Z --until 2026-11-28T18:00:00Z
check "00:30-02:00" --since 2026-11-28T00:30:00Z --until 2026-11-28T02:00:00Z
check "13:07:30-end" --since 2026-11-28T13:07:30Z --until 2026-11-29T00:00:00Z
check "--date 2026-11-28 (TZ=UTC)" --date 2026-11-28

# A second, smaller day under report_day_variant_config.json: windows of 10m to 7d, alerts.repeat
# 20m (so "ongoing" alerts and the ledger forgetting keys after two periods), overrides by
# domain and by login, a same-address rule with a per-domain allow list first, a second
# remote-ips rule, and the directories named in the other order.
/usr/bin/python3 "$tools/gen_day.py" --seed 99 --lines 80000 --logins 700 --date 2026-11-28 \
  --file-bytes 300000 --out "$tmp/var"
config=$src/tests/integration/report_day_variant_config.json
dirs="--dir $tmp/var/smtp --dir $tmp/var/submission"
check "variant day"
check "variant 09:00-09:40" --since 2026-11-28T09:00:00Z --until 2026-11-28T09:40:00Z
exit $status
