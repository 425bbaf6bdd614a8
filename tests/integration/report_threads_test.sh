#!/bin/sh
# report_threads_test.sh RELAYWATCH SOURCE_DIR: `report --threads N` prints the same bytes for
# every N. The logins are counted in N shards, one thread each (src/app/report_count.cpp), and
# merged; this is the test that the merge is exactly the one-thread run.
#
# A generated day in two multilog directories (submission and smtp, 120,000 lines, 1,500 logins),
# reported with --threads 1, 2, 3 and 7 and without --threads (one per core), as JSON and as text,
# under three configs:
#   - report_day_config.json: every rule kind;
#   - report_day_variant_config.json with alerts.resolved and escalate: "ongoing" and "resolved"
#     alerts, whose order across shards is the ledger's (rule, key) walk;
#   - the same with max_keys 40 on a rule: its cap holds over all logins, so a sharded count that
#     evicts is counted again on one thread; the report must say keys were evicted;
#   - the same with max_keys 900 on the 7-day rule instead: one thread evicts, but a shard holding
#     all it may (900 / N) would not reach 900 alone; each shard's cap is 900 / N for that reason.
# Each config must produce findings (and the second, resolutions), or the comparison proves little.
# Then a range, --user (with its histograms) and --rule, with 1 and 3 shards; qlog logs whose
# first qlogenvelope line the reader could not mark beforehand, with 1, 2 and 3 shards; and
# --threads with a bad count must be a usage error.
set -eu
bin=$1
src=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rw-threads.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
/usr/bin/python3 "$src/tests/tools/gen_day.py" --seed 7 --lines 120000 --logins 1500 \
  --date 2026-11-28 --file-bytes 400000 --out "$tmp/logs"
dirs="--dir $tmp/logs/submission --dir $tmp/logs/smtp"

/usr/bin/python3 - "$src/tests/integration/report_day_variant_config.json" "$tmp" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["alerts"] = {"repeat": "20m", "escalate": "2x", "resolved": True}
json.dump(c, open(sys.argv[2] + "/resolved.json", "w"))
c["rules"][0]["max_keys"] = 40
json.dump(c, open(sys.argv[2] + "/capped.json", "w"))
# A cap between one shard's share and the whole: one thread evicts, while no shard would hold
# max_keys keys of its own (each holds max_keys / N: report_count.h).
c["rules"][0].pop("max_keys")
c["rules"][1]["max_keys"] = 900
json.dump(c, open(sys.argv[2] + "/between.json", "w"))
PY

status=0
for config in "$src/tests/integration/report_day_config.json" "$tmp/resolved.json" \
  "$tmp/capped.json" "$tmp/between.json"; do
  name=$(basename "$config")
  for format in json text; do
    for n in 1 2 3 7 default; do
      opt="--threads $n"
      [ "$n" = default ] && opt=""
      # shellcheck disable=SC2086
      TZ=UTC "$bin" report --all --format "$format" -c "$config" $dirs $opt \
        >"$tmp/got.$n" 2>"$tmp/stderr" ||
        { echo "FAIL: $name $format $opt: exit $?: $(cat "$tmp/stderr")"; status=1; continue; }
      if [ "$n" != 1 ] && ! cmp -s "$tmp/got.1" "$tmp/got.$n"; then
        echo "FAIL: $name --format $format: --threads $n differs from --threads 1:"
        cmp "$tmp/got.1" "$tmp/got.$n" | head -1
        status=1
      fi
    done
    [ "$format" = json ] || continue
    [ "$name" = report_day_config.json ] && cp "$tmp/got.1" "$tmp/got.1.json"
    /usr/bin/python3 - "$tmp/got.1" "$name" <<'PY' || status=1
import json, sys
d, name = json.load(open(sys.argv[1])), sys.argv[2]
states = {}
for f in d["findings"]:
    states[f["state"]] = states.get(f["state"], 0) + 1
evicted = any("evicted" in w for w in d["warnings"])
print("%s: %d findings %s, %d users, evicted: %s" % (name, len(d["findings"]), states,
                                                    len(d["users"]), evicted))
assert d["findings"], "no finding: the comparison proves little"
if name == "resolved.json":
    assert states.get("resolved", 0) >= 2 and states.get("ongoing", 0) >= 1, states
assert evicted == (name in ("capped.json", "between.json")), "evicted: %s" % evicted
PY
  done
done
# A range (the part before --since only warms the windows, and no alert comes of it), one login
# with its histograms, one rule: also the same bytes with 1 and 3 shards.
user=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["users"][0]["user"])' \
  "$tmp/got.1.json")
for extra in "--since 2026-11-28T06:00:00Z --until 2026-11-28T18:00:00Z" "--user $user" \
  "--rule many-ips --since 2026-11-28T13:07:30Z"; do
  for n in 1 3; do
    # shellcheck disable=SC2086
    TZ=UTC "$bin" report --all -c "$src/tests/integration/report_day_config.json" $dirs $extra \
      --threads $n >"$tmp/part.$n" 2>"$tmp/stderr" ||
      { echo "FAIL: $extra --threads $n: $(cat "$tmp/stderr")"; status=1; }
  done
  if ! cmp -s "$tmp/part.1" "$tmp/part.3"; then
    echo "FAIL: $extra: --threads 3 differs from --threads 1"
    status=1
  elif [ "$(wc -l <"$tmp/part.1")" -lt 5 ]; then
    echo "FAIL: $extra: only $(wc -l <"$tmp/part.1") lines of report"
    status=1
  fi
done

# qlog logs whose mark the reader once placed late or lost. A qlogenvelope line that comes before
# its service's mark is counted against the service's last chkuser recipient, which only one shard
# saw (report_count.h): the count is then made again on one thread. In three logs a line over
# 64 KiB crosses the reader's first 1 MiB chunk (the mark came one line late); in the fourth the
# mark found before --since fell on an empty archive (it was lost). The qlogenvelope line has no
# authuser, so its Key is its address, and of the three addresses some hash to another shard than
# the chkuser login's. Each is marked in time now, and its address counted: the qlogenvelope
# line's chkuser line is too far before it to be its pair.
/usr/bin/python3 - "$tmp/qlog" <<'PY'
import os, sys
T = 0x6b0aa62a  # 2026-11-28 10:00:00 UTC
def tai(t): return "@4000%012x00000000" % t
def chk(t, ip, rcpt):
    return (tai(t) + " CHKUSER relaying rcpt: from <spam@bank.example:ceo@example.com:> "
            "remote <web1:unknown:%s> rcpt <%s> : client allowed to relay" % (ip, rcpt))
def env(t, ip, rcpt):
    return (tai(t) + " qlogenvelope: result=accepted code=250 reason=rcptto detail=chkuserrelay "
            "helo=web1 mailfrom=spam@bank.example rcptto=%s relay=yes rcpthosts=no size= "
            "authuser= authtype= encrypted= sslverified=no localip=192.0.2.10 localport=587 "
            "remoteip=%s remoteport=51234 remotehost=unknown qp= pid=4321" % (rcpt, ip))
def write(d, name, text):
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, name), "w").write(text)
for ip in ("192.0.2.44", "192.0.2.45", "192.0.2.47"):
    head = chk(T, ip, "a@gmail.example") + "\n"
    filler = (1 << 20) + 100 * 1024 - len(head) - 1
    write(os.path.join(sys.argv[1], "cut" + ip.split(".")[-1]), "current",
          head + tai(T) + " " + "x" * (filler - 26) + "\n" + env(T + 1, ip, "a@gmail.example") +
          "\n" + chk(T + 2, ip, "b@gmail.example") + "\n")
d = os.path.join(sys.argv[1], "empty")
old = T - 10 * 86400
write(d, "@4000%012x00000000.s" % (old + 60),
      chk(old, "192.0.2.46", "z@gmail.example") + "\n" + env(old, "192.0.2.46", "z@gmail.example") + "\n")
write(d, "@4000%012x00000000.s" % (T - 60), "")
write(d, "current", chk(T, "192.0.2.46", "a@gmail.example") + "\n" +
      env(T, "192.0.2.46", "a@gmail.example") + "\n")
PY
qdirs="--dir $tmp/qlog/cut44 --dir $tmp/qlog/cut45 --dir $tmp/qlog/cut47 --dir $tmp/qlog/empty"
for n in 1 2 3; do
  # shellcheck disable=SC2086
  TZ=UTC "$bin" report --all --format json -c "$src/tests/integration/report_day_config.json" \
    $qdirs --since 2026-11-28T09:00:00Z --threads $n >"$tmp/qlog.$n" 2>"$tmp/stderr" ||
    { echo "FAIL: qlog logs --threads $n: $(cat "$tmp/stderr")"; status=1; }
  if [ "$n" != 1 ] && ! cmp -s "$tmp/qlog.1" "$tmp/qlog.$n"; then
    echo "FAIL: qlog logs marked late: --threads $n differs from --threads 1:"
    diff "$tmp/qlog.1" "$tmp/qlog.$n" | head -4
    status=1
  fi
done
for user in ceo@example.com ip:192.0.2.44 ip:192.0.2.45 ip:192.0.2.46 ip:192.0.2.47; do
  grep -q "\"user\":\"$user\"" "$tmp/qlog.1" ||
    { echo "FAIL: qlog logs: no row for $user"; status=1; }
done

# A count that is not one from 1 to 64 is a usage error (exit 2) that says what was expected.
for bad in 0 two 65 -1 ""; do
  got=0
  # shellcheck disable=SC2086
  "$bin" report --threads "$bad" -c "$src/tests/integration/report_day_config.json" $dirs \
    >/dev/null 2>"$tmp/stderr" || got=$?
  want="relaywatch report: --threads: expected a number from 1 to 64, got \"$bad\""
  if [ "$got" -ne 2 ] || [ "$(head -1 "$tmp/stderr")" != "$want" ]; then
    echo "FAIL: --threads '$bad' exited $got: $(cat "$tmp/stderr")"
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "ok: every --threads gave the same bytes; bad counts are usage errors"
exit $status
