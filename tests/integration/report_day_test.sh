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

# The text report of the whole day fits 100 columns (in code points: "…" is 3 bytes), with a
# login and a sender of 200 characters (one of them not ASCII) added in a third directory.
mkdir -p "$tmp/long"
stamp=$(sed -n 's/^\(@[0-9a-f]\{24\}\) .*/\1/p' "$tmp/logs/submission/current" | tail -1)
long=$(printf 'x%.0s' $(seq 1 190))
for i in 1 2 3; do
  printf '%s CHKUSER relaying rcpt: from <%s@b\303\274ro.example:%s@example.com:> remote <h:unknown:203.0.113.%s> rcpt <r%s@gmail.example> : client allowed to relay\n' \
    "$stamp" "$long" "$long" "$i" "$i"
done >"$tmp/long/current"
# shellcheck disable=SC2086
TZ=UTC "$bin" report --all -c "$config" $dirs --dir "$tmp/long" >"$tmp/day.txt" 2>"$tmp/stderr" ||
  { echo "text report failed: $(cat "$tmp/stderr")"; status=1; }
/usr/bin/python3 - "$tmp/day.txt" <<'EOF' || status=1
import sys
text = open(sys.argv[1], encoding="utf-8").read().splitlines()
wide = [l for l in text if len(l) > 100]
assert len(text) > 2500, "only %d lines" % len(text)
assert not wide, "%d lines wider than 100 columns, e.g. %r" % (len(wide), wide[0])
assert any("\u2026" in l and "xxxx" in l for l in text), "the long login is not cut with ..."
assert "RULES" in text, "no per-rule summary"
print("ok: %d lines of the text report, none wider than 100 columns" % len(text))
EOF
# --rule: only that rule's findings and peaks; an unknown rule names the configured ones.
# shellcheck disable=SC2086
TZ=UTC "$bin" report --all --format json --rule many-ips -c "$config" $dirs >"$tmp/rule.json" \
  2>"$tmp/stderr" || { echo "--rule many-ips failed: $(cat "$tmp/stderr")"; status=1; }
/usr/bin/python3 - "$tmp/rule.json" "$tmp/got.json" <<'EOF' || status=1
import json, sys
got, whole = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert got["findings"], "no many-ips finding"
assert {f["rule"] for f in got["findings"]} == {"many-ips"}, {f["rule"] for f in got["findings"]}
assert len(got["findings"]) == len([f for f in whole["findings"] if f["rule"] == "many-ips"])
assert all(set(u["peak"]) <= {"many-ips"} for u in got["users"]), "a peak of another rule"
print("ok: --rule many-ips: %d findings, peaks of many-ips only" % len(got["findings"]))
EOF
# shellcheck disable=SC2086
got=0
"$bin" report --rule nosuch --rule many-ips -c "$config" $dirs >/dev/null 2>"$tmp/stderr" || got=$?
want='relaywatch report: --rule: no rule named "nosuch"; the configured rules are: hourly-volume, daily-volume, foreign-sender, own-address, many-ips, port25-auth, rcpt-limit-hits'
if [ "$got" -ne 2 ] || [ "$(head -1 "$tmp/stderr")" != "$want" ]; then
  echo "--rule nosuch exited $got: $(cat "$tmp/stderr")"
  status=1
fi

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
