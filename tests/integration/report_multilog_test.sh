#!/bin/sh
# report_multilog_test.sh RELAYWATCH SOURCE_DIR: `relaywatch report` on what real multilog wrote,
# on hand-stamped archives for its ranges (--date, --since/--until in UTC and New York), --user,
# the text format, --service discovery, and its usage and config errors (exit 2 and 1).
#
# Part 1: /usr/bin/multilog t s4096 writes five copies of tests/fixtures/constructed.txt (stamps
# taken off, so multilog stamps them now) into supervise/smtp/log/main, rotating into several
# @….s archives; the expected users and findings are worked out by hand in the comments below.
# Part 2: lines stamped at chosen instants around UTC and New York midnights (and the 2026-11-01
# DST change), written straight into files named like multilog archives; every range query has
# its expected users and findings. Part 3: a range report must be the whole report cut to the
# range (what the daemon alerted that day), also when the alert that silences a key came before
# the warm-up. Part 4: usage errors exit 2, config errors exit 1 naming file:line:column.
#
# Not tested: multilog's `n` pruning while report reads, `.u` archives from a crashed multilog,
# --service for several services at once.
set -u
bin=$1
src=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rw-mlog.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# jcheck NAME FILE: runs the Python on stdin with `d` = FILE's JSON and eq(got, want, what).
# A failure is written to $tmp/jcheck.failed, not counted in $failures: `echo ... | jcheck` runs
# jcheck in a subshell, where an increment would be lost. The total adds them up.
jcheck() {
  name=$1
  file=$2
  if ! /usr/bin/python3 - "$file" "$name" <<EOF; then echo "$name" >>"$tmp/jcheck.failed"; fi
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
def eq(got, want, what):
    if got != want:
        bad.append("%s: got %r, expected %r" % (what, got, want))
def users():
    return {u["user"]: u["recipients"] for u in d["users"]}
def findings():
    return [(f["rule"], f["user"], f["count"], f["state"]) for f in d["findings"]]
$(cat)
if bad:
    print("FAIL: %s" % sys.argv[2])
    for b in bad:
        print("  " + b)
    sys.exit(1)
print("ok: %s" % sys.argv[2])
EOF
}

# ---- Part 1: real multilog -------------------------------------------------------------------
sv=$tmp/supervise
mkdir -p "$sv/smtp/log"
printf '#!/bin/sh\nexec setuidgid qmaill multilog t s4096 n100 ./main\n' >"$sv/smtp/log/run"
# Without its qlog lines: on a service that logs them, they and not chkuser's lines would count.
grep -v -e '^#' -e ' qlog' "$src/tests/fixtures/constructed.txt" |
  sed -E 's/^@[0-9a-f]{24} //; s/^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ //' >"$tmp/fixture.txt"
(cd "$sv/smtp/log" && for i in 1 2 3 4 5; do cat "$tmp/fixture.txt"; done |
  /usr/bin/multilog t s4096 n100 ./main) || fail "multilog failed"
archives=$(ls "$sv/smtp/log/main" | grep -c '^@.*\.s$')
[ "$archives" -ge 3 ] || fail "multilog s4096 made $archives archives, expected at least 3"
echo "multilog wrote $archives archives and current"

cat >"$tmp/rules.yaml" <<EOF
hostname: mx1.example.com
state_dir: $tmp/state
sources: {supervise_dir: $sv}
rules:
  - {name: hourly-volume, kind: volume, window: 1h, limit: 10}
  - {name: foreign-sender, kind: sender}
  - {name: many-ips, kind: remote-ips, window: 1h, limit: 2}
  - {name: port25-auth, kind: service-policy, allowed_services: [submission, smtps]}
  - {name: rcpt-limit-hits, kind: rcpt-limit, window: 1h, limit: 3}
EOF

# Per copy of the fixture: suzy relays 3 (one in the field-named dialect) as ceo@bank.example and
# delivers 1 locally; autoreply relays 1 with the null sender; tom relays 2 from two addresses;
# the web server relays 1 without AUTH; bob hits the recipient limit once. All on smtp (port 25).
part1_checks='
eq(d["lines"]["total"], 145, "lines.total")
eq(d["lines"]["relay"], 35, "lines.relay")
eq(d["lines"]["malformed"], 0, "lines.malformed")
eq([u["user"] for u in d["users"]], ["suzy@example.com", "tom@example.com",
   "autoreply@example.com", "ip:192.0.2.44", "bob@example.com"], "users in order")
byname = {u["user"]: u for u in d["users"]}
eq(byname["suzy@example.com"]["recipients"], 15, "suzy recipients")
eq(byname["suzy@example.com"]["foreign_senders"], {"ceo@bank.example": 20}, "suzy foreign")
eq(byname["suzy@example.com"]["remote_ips"], 1, "suzy remote_ips")
eq(byname["suzy@example.com"]["peak"], {"hourly-volume": 15, "foreign-sender": 20,
   "many-ips": 1, "port25-auth": 15}, "suzy peak")
eq(byname["tom@example.com"]["remote_ips"], 2, "tom remote_ips")
eq(byname["tom@example.com"]["peak"], {"hourly-volume": 10, "many-ips": 2, "port25-auth": 10},
   "tom peak")
eq(byname["ip:192.0.2.44"]["remote_ips"], 0, "web server remote_ips")
eq(byname["bob@example.com"]["recipients"], 0, "bob recipients")
eq(byname["bob@example.com"]["peak"], {"rcpt-limit-hits": 5}, "bob peak")
eq(findings(), [
    ("foreign-sender", "suzy@example.com", 1, "new"),   # her first relaying line
    ("port25-auth", "suzy@example.com", 1, "new"),      # the same line
    ("port25-auth", "autoreply@example.com", 1, "new"),
    ("port25-auth", "tom@example.com", 1, "new"),
    ("many-ips", "tom@example.com", 2, "new"),          # his second address
    ("rcpt-limit-hits", "bob@example.com", 3, "new"),   # copy 3
    ("hourly-volume", "suzy@example.com", 10, "new"),   # copy 4, first line
    ("hourly-volume", "tom@example.com", 10, "new"),    # copy 5, second line
], "findings")
for f in d["findings"]:
    eq(f["service"], "smtp", "service of " + f["rule"])
    eq(f["basis"], "chkuser", "basis of " + f["rule"])
    eq(f["first"] <= f["last"], True, "first <= last for " + f["rule"])
eq([f.get("detail") for f in d["findings"]][:3], ["ceo@bank.example", "smtp", "smtp"], "details")
'
"$bin" report --all --format json -c "$tmp/rules.yaml" --dir "$sv/smtp/log/main" \
  >"$tmp/p1.json" 2>"$tmp/p1.err" || fail "report --dir exited $?: $(cat "$tmp/p1.err")"
echo "$part1_checks" | jcheck "multilog dir: users and findings" "$tmp/p1.json"
"$bin" report --all --format json -c "$tmp/rules.yaml" --service smtp \
  >"$tmp/p1s.json" 2>"$tmp/p1s.err" || fail "report --service exited $?: $(cat "$tmp/p1s.err")"
echo "$part1_checks" | jcheck "--service smtp found through supervise/smtp/log/run" "$tmp/p1s.json"
"$bin" report -c "$tmp/rules.yaml" --dir "$sv/smtp/log/main" >"$tmp/p1.txt" 2>&1 ||
  fail "text report exited $?"
# Without --all only the 4 users with findings (not the web server's ip: key).
for want in "FINDINGS (8)" "USERS (4)" "(local time)" "lines 145  relaying rcpt 35  malformed 0"; do
  grep -qF "$want" "$tmp/p1.txt" || fail "text report lacks \"$want\""
done
# PEAK wraps inside its column, FOREIGN SENDERS after it; a finding's detail is on the line below
# when the columns leave no room for it.
grep -A2 -E '^ +15  suzy@example\.com +1  hourly-volume=15 +ceo@bank\.example x20$' "$tmp/p1.txt" |
  tr -s ' ' | tr '\n' '|' | grep -qxF \
  ' 15 suzy@example.com 1 hourly-volume=15 ceo@bank.example x20| foreign-sender=20 many-ips=1| port25-auth=15|' ||
  fail "text report: no readable row for suzy"
grep -A1 -E '^  [0-9-]+ [0-9:]+ \.\. [0-9:]+ +foreign-sender +suzy@example\.com +1 +1  1d$' \
  "$tmp/p1.txt" | grep -qxF '      detail: ceo@bank.example' ||
  fail "text report: no readable finding for suzy's foreign sender"
grep -A6 -xF 'RULES' "$tmp/p1.txt" | tr -s ' ' | grep -qxF ' port25-auth service-policy 3 3 suzy@example.com (1)' ||
  fail "text report: the per-rule summary lacks port25-auth's line"
[ "$failures" -eq 0 ] || { echo "--- text report:"; cat "$tmp/p1.txt"; }

# ---- Part 2: ranges over hand-stamped archives ------------------------------------------------
logs=$tmp/ranges/submission
mkdir -p "$logs"
/usr/bin/python3 - "$logs" <<'EOF' || fail "writing the range archives failed"
import calendar, os, sys
d = sys.argv[1]
def ns(text):  # "2026-11-28 00:10:01.5" UTC
    day, clock = text.split(" ")
    y, m, dd = map(int, day.split("-"))
    hh, mm, ss = clock.split(":")
    sec = float(ss)
    return (calendar.timegm((y, m, dd, int(hh), int(mm), int(sec))) * 10**9
            + round((sec - int(sec)) * 10**9))
def tai(t):
    s, n = divmod(t, 10**9)
    return "@%016x%08x" % (s + (1 << 62) + 10, n)
def relay(user):
    return ("CHKUSER relaying rcpt: from <%s:%s:> remote <pc:unknown:203.0.113.7> rcpt "
            "<r@gmail.example> : client allowed to relay" % (user, user))
files = [
    # dst: 00:30 EDT and 23:30 EST on 2026-11-01 (New York's 25-hour day).
    [("2026-11-01 04:30:00", "dst@example.com"), ("2026-11-02 04:30:00", "dst@example.com")],
    # daily: crosses the limit at 20:00:04 on the 27th, in an archive closed at 20:00:05.
    [("2026-11-27 20:00:0%d" % i, "daily@example.com") for i in range(5)],
    # edge: one line in the slice 23:00 of the 27th, in an archive closed at 23:00:11.
    [("2026-11-27 23:00:10", "edge@example.com")],
    [("2026-11-27 23:30:00", "early@example.com"), ("2026-11-27 23:30:01", "early@example.com")]
    + [("2026-11-27 23:50:0%d" % i, "warm@example.com") for i in range(3)]
    + [("2026-11-27 23:5%d:00" % i, "quiet@example.com") for i in range(1, 6)],
    [("2026-11-28 00:00:4%d" % i, "edge@example.com") for i in range(4)]
    + [("2026-11-28 00:10:0%d" % i, "warm@example.com") for i in range(3)]
    + [("2026-11-28 00:20:00", "quiet@example.com")]
    + [("2026-11-28 00:30:0%d" % i, "daily@example.com") for i in range(5)]
    + [("2026-11-28 02:00:0%d" % i, "mid@example.com") for i in range(3)],
    [("2026-11-28 06:00:00.5", "late@example.com")]
    + [("2026-11-28 06:00:0%d" % i, "late@example.com") for i in range(1, 4)]
    + [("2026-11-29 01:00:00", "next@example.com")],
]
for k, lines in enumerate(files):
    text = "".join("%s %s\n" % (tai(ns(t)), relay(u)) for t, u in lines)
    if k == len(files) - 1:
        name = "current"
        text += "tcpserver: status: 0/100\n"  # unstamped: takes the stamp before it
    else:
        last = ns(lines[-1][0])
        name = tai(last + (10**9 if k in (1, 2) else 10**6)) + ".s"
    with open(os.path.join(d, name), "w") as f:
        f.write(text)
EOF
printf 'rules:\n  - {name: hourly-volume, kind: volume, window: 1h, limit: 5}\n' >"$tmp/volume.yaml"
printf 'rules:\n  - {name: hourly-volume, kind: volume, window: 1h, limit: 5}\nalerts: {repeat: 1d}\n' \
  >"$tmp/repeat.yaml"

# range NAME TZ CONFIG [options...]: report into $tmp/r.json (exit status checked).
range() {
  rname=$1
  zone=$2
  cfg=$3
  shift 3
  TZ=$zone "$bin" report --format json -c "$cfg" --dir "$logs" "$@" >"$tmp/r.json" \
    2>"$tmp/r.err" || fail "$rname: report exited $?: $(cat "$tmp/r.err")"
}

range "UTC day" UTC "$tmp/volume.yaml" --all --date 2026-11-28
jcheck "--date 2026-11-28, TZ=UTC: warm-up counts, a quiet alert silences" "$tmp/r.json" <<'EOF'
eq(d["range"], {"since": "2026-11-28T00:00:00.000000000Z",
                "until": "2026-11-29T00:00:00.000000000Z"}, "range")
eq(users(), {"edge@example.com": 4, "warm@example.com": 3, "quiet@example.com": 1,
             "daily@example.com": 5, "mid@example.com": 3, "late@example.com": 4}, "users")
# warm: 3 at 23:50 + 3 at 00:10 -> 5 at 00:10:01 (first = 23:50:00). quiet: alerted at 23:55
# (before the range), so 00:20 is silent. edge: 23:00:10 + 00:00:40..43 -> 5 at 00:00:43.
eq(findings(), [("hourly-volume", "edge@example.com", 5, "new"),
                ("hourly-volume", "warm@example.com", 5, "new"),
                ("hourly-volume", "daily@example.com", 5, "new")], "findings")
eq([f["first"] for f in d["findings"]][1], "2026-11-27T23:50:00.000000000Z", "warm first")
eq(d["lines"]["total"], 20, "lines in range (the unstamped one follows a line of the 29th)")
eq(d["lines"]["relay"], 20, "relaying lines in range")
eq(d["lines"]["unstamped"], 0, "unstamped")
EOF

range "New York day" America/New_York "$tmp/volume.yaml" --all --date 2026-11-28
jcheck "--date 2026-11-28, TZ=America/New_York" "$tmp/r.json" <<'EOF'
eq(d["range"], {"since": "2026-11-28T05:00:00.000000000Z",
                "until": "2026-11-29T05:00:00.000000000Z"}, "range")
eq(users(), {"late@example.com": 4, "next@example.com": 1}, "users")
eq(findings(), [], "findings")
eq(d["lines"]["total"], 6, "lines in range")
eq(d["lines"]["unstamped"], 1, "the unstamped line after next's takes its stamp")
EOF

range "New York day before" America/New_York "$tmp/volume.yaml" --all --date 2026-11-27
jcheck "--date 2026-11-27, TZ=America/New_York" "$tmp/r.json" <<'EOF'
eq(users(), {"daily@example.com": 10, "edge@example.com": 5, "early@example.com": 2,
             "warm@example.com": 6, "quiet@example.com": 6, "mid@example.com": 3}, "users")
eq(findings(), [("hourly-volume", "daily@example.com", 5, "new"),
                ("hourly-volume", "quiet@example.com", 5, "new"),
                ("hourly-volume", "edge@example.com", 5, "new"),
                ("hourly-volume", "warm@example.com", 5, "new"),
                # 4h30 after its last alert: forgotten by the ledger (> 2 periods), so new.
                ("hourly-volume", "daily@example.com", 5, "new")], "findings")
EOF

range "without --all" America/New_York "$tmp/volume.yaml" --date 2026-11-27
jcheck "without --all only users with findings" "$tmp/r.json" <<'EOF'
eq(sorted(users()), ["daily@example.com", "edge@example.com", "quiet@example.com",
                     "warm@example.com"], "users")
EOF

range "--user" America/New_York "$tmp/volume.yaml" --all --date 2026-11-27 --user warm@EXAMPLE.com
jcheck "--user warm@EXAMPLE.com (domain case folded)" "$tmp/r.json" <<'EOF'
eq(users(), {"warm@example.com": 6}, "users")
eq(findings(), [("hourly-volume", "warm@example.com", 5, "new")], "findings")
EOF

range "since/until UTC" UTC "$tmp/volume.yaml" --all --since 2026-11-28T01:00 --until 2026-11-28T06:00
jcheck "--since/--until local = UTC, until exclusive" "$tmp/r.json" <<'EOF'
eq(d["range"], {"since": "2026-11-28T01:00:00.000000000Z",
                "until": "2026-11-28T06:00:00.000000000Z"}, "range")
eq(users(), {"mid@example.com": 3}, "users")
EOF

range "since/until NY" America/New_York "$tmp/volume.yaml" --all --since 2026-11-27T20:00 --until 2026-11-28T01:00
jcheck "--since/--until in New York local time" "$tmp/r.json" <<'EOF'
eq(d["range"], {"since": "2026-11-28T01:00:00.000000000Z",
                "until": "2026-11-28T06:00:00.000000000Z"}, "range")
eq(users(), {"mid@example.com": 3}, "users")
EOF

range "since/until with zone" America/New_York "$tmp/volume.yaml" --all --since 2026-11-28T06:00:00.5Z --until 2026-11-28T08:00+01:00
jcheck "--since/--until with explicit zones" "$tmp/r.json" <<'EOF'
eq(users(), {"late@example.com": 4}, "users")
EOF

range "DST day NY" America/New_York "$tmp/volume.yaml" --all --date 2026-11-01
jcheck "--date 2026-11-01 in New York has 25 hours" "$tmp/r.json" <<'EOF'
eq(d["range"], {"since": "2026-11-01T04:00:00.000000000Z",
                "until": "2026-11-02T05:00:00.000000000Z"}, "range")
eq(users(), {"dst@example.com": 2}, "users")
EOF

range "DST day UTC" UTC "$tmp/volume.yaml" --all --date 2026-11-01
jcheck "--date 2026-11-01 in UTC" "$tmp/r.json" <<'EOF'
eq(users(), {"dst@example.com": 1}, "users")
EOF

range "DST gap at midnight" America/Santiago "$tmp/volume.yaml" --all --date 2026-09-06
jcheck "--date 2026-09-06 in Santiago starts at 01:00 (00:00 does not exist) and has 23 hours" \
  "$tmp/r.json" <<'EOF'
eq(d["range"], {"since": "2026-09-06T04:00:00.000000000Z",
                "until": "2026-09-07T03:00:00.000000000Z"}, "range")
eq(users(), {}, "users")
EOF

# ---- Part 3: a range report is the whole report cut to the range -------------------------------
for cfg in volume repeat; do
  for r in "2026-11-28T00:00:30Z 2026-11-29T00:00:00Z" "2026-11-28T00:00:00Z 2026-11-29T00:00:00Z"; do
    set -- $r
    TZ=UTC "$bin" report --format json -c "$tmp/$cfg.yaml" --dir "$logs" >"$tmp/whole.json" \
      2>/dev/null || fail "whole report exited $?"
    TZ=UTC "$bin" report --format json -c "$tmp/$cfg.yaml" --dir "$logs" --since "$1" --until "$2" \
      >"$tmp/part.json" 2>/dev/null || fail "range report exited $?"
    /usr/bin/python3 - "$tmp/whole.json" "$tmp/part.json" "$1" "$2" "$cfg.yaml" <<'EOF' ||
import json, sys
whole, part = (json.load(open(p))["findings"] for p in sys.argv[1:3])
since, until = (t.replace("Z", ".000000000Z") if "." not in t else t for t in sys.argv[3:5])
cut = [f for f in whole if since <= f["last"] < until]
if not cut:
    print("FAIL: %s: the whole report has no finding in %s..%s; the comparison would prove nothing"
          % (sys.argv[5], sys.argv[3], sys.argv[4]))
    sys.exit(1)
key = lambda f: (f["rule"], f["user"], f["count"], f["first"], f["last"], f["state"])
if [key(f) for f in part] != [key(f) for f in cut]:
    print("FAIL: %s --since %s --until %s differs from the whole report cut to that range"
          % (sys.argv[5], sys.argv[3], sys.argv[4]))
    print("  whole report, cut: %s" % [key(f)[:2] + key(f)[4:] for f in cut])
    print("  range report:      %s" % [key(f)[:2] + key(f)[4:] for f in part])
    sys.exit(1)
print("ok: %s --since %s --until %s = the whole report cut to the range"
      % (sys.argv[5], sys.argv[3], sys.argv[4]))
EOF
      failures=$((failures + 1))
  done
done

# ---- Part 4: usage errors exit 2, config errors exit 1 ---------------------------------------
# expect NAME STATUS STDERR-LINE [report options...]
expect() {
  ename=$1
  want_status=$2
  want_err=$3
  shift 3
  TZ=UTC "$bin" report "$@" >"$tmp/e.out" 2>"$tmp/e.err"
  got=$?
  [ "$got" -eq "$want_status" ] || fail "$ename: exit $got, expected $want_status"
  grep -qxF -- "$want_err" "$tmp/e.err" ||
    fail "$ename: stderr lacks the line \"$want_err\"; it was: $(cat "$tmp/e.err")"
  [ -s "$tmp/e.out" ] && fail "$ename: wrote to stdout: $(head -c 200 "$tmp/e.out")"
}
c="-c $tmp/volume.yaml"
expect "unknown option" 2 "relaywatch report: unknown option --bogus" $c --bogus
expect "missing value" 2 "relaywatch report: option --dir needs a value (DIR)" $c --dir
expect "bad format" 2 'relaywatch report: --format: expected text or json, got "xml"' \
  $c --dir "$logs" --format xml
expect "bad date" 2 'relaywatch report: --date: expected YYYY-MM-DD, got "28.11.2026"' \
  $c --dir "$logs" --date 28.11.2026
expect "no such day" 2 'relaywatch report: --date: no such day "2026-02-30"' \
  $c --dir "$logs" --date 2026-02-30
expect "date and since" 2 "relaywatch report: --date cannot be combined with --since/--until" \
  $c --dir "$logs" --date 2026-11-28 --since 2026-11-28T01:00
expect "bad since" 2 \
  'relaywatch report: --since: expected ISO 8601 like 2026-11-28T09:00, got "yesterday"' \
  $c --dir "$logs" --since yesterday
expect "until before since" 2 "relaywatch report: --until must be later than --since" \
  $c --dir "$logs" --since 2026-11-28T10:00Z --until 2026-11-28T09:00Z
expect "stray argument" 2 "relaywatch report: unexpected argument extra" $c --dir "$logs" extra
expect "missing dir" 1 "relaywatch report: unable to read $tmp/nowhere: No such file or directory" \
  $c --dir "$tmp/nowhere"
expect "unknown service" 1 "relaywatch report: no log directory found for service submission" \
  -c "$tmp/rules.yaml" --service submission
bad=$src/tests/fixtures/configs/bad/typo-window.yaml
expect "typo in config" 1 \
  "relaywatch report: $bad:6:5: rules[0].windw: unknown key; did you mean window?" \
  -c "$bad" --dir "$logs"
printf 'rules:\n  - name: hourly-volume\n    kind: volume\n    window: ten\n    limit: 5\n' \
  >"$tmp/ten.yaml"
expect "bad duration" 1 \
  "relaywatch report: $tmp/ten.yaml:4:13: rules[0].window: expected a duration like 10m, got \"ten\"" \
  -c "$tmp/ten.yaml" --dir "$logs"
expect "unreadable config" 1 \
  "relaywatch report: unable to read $tmp/none.yaml: No such file or directory" \
  -c "$tmp/none.yaml" --dir "$logs"

# ---- Part 5: which directories are read, and what is said about them ------------------------
# One directory named twice (a trailing slash, a symlink, --service and --dir) is read once; a
# directory that is a configured source keeps that service's name; `--dir .` is named from where
# it is. Each must give exactly Part 1's report (its checks include every finding's service).
main=$sv/smtp/log/main
ln -s "$main" "$tmp/alias"
for args in "--dir $main --dir $main/" "--service smtp --dir $main" "--dir $tmp/alias" \
            "--dir $main --dir $tmp/alias"; do
  # shellcheck disable=SC2086 # the options are split on purpose
  "$bin" report --all --format json -c "$tmp/rules.yaml" $args >"$tmp/p5.json" 2>"$tmp/p5.err" ||
    fail "report $args exited $?: $(cat "$tmp/p5.err")"
  echo "$part1_checks" | jcheck "read once, named smtp: $args" "$tmp/p5.json"
done
(cd "$main" && "$bin" report --all --format json -c "$tmp/rules.yaml" --dir .) >"$tmp/p5.json" ||
  fail "report --dir . exited $?"
echo "$part1_checks" | jcheck "--dir . inside smtp's log dir" "$tmp/p5.json"
# A directory outside daemontools' <svc>/log/main is named by itself, even under a "log"
# directory: /var/log/smtp is service smtp, not "var".
mkdir -p "$tmp/var/log" && cp -r "$main" "$tmp/var/log/smtp"
"$bin" report --all --format json -c "$tmp/rules.yaml" --dir "$tmp/var/log/smtp" >"$tmp/p5.json" ||
  fail "report --dir var/log/smtp exited $?"
echo "$part1_checks" | jcheck "--dir var/log/smtp is service smtp" "$tmp/p5.json"

# A discovered service whose log/run has not yet created its directory is skipped, and said so
# in the report; the other services are still reported.
mkdir -p "$sv/smtps/log"
printf '#!/bin/sh\nexec multilog t ./main\n' >"$sv/smtps/log/run"
"$bin" report --all --format json -c "$tmp/rules.yaml" >"$tmp/p5.json" 2>"$tmp/p5.err" ||
  fail "report with a dead service exited $?: $(cat "$tmp/p5.err")"
echo "$part1_checks
eq([w.endswith(\"service smtps skipped\") for w in d[\"warnings\"]], [True], \"warnings\")
" | jcheck "a dead service is skipped with a warning" "$tmp/p5.json"
grep -q "^relaywatch report: warning: unable to read $sv/smtps/log/main: No such file" \
  "$tmp/p5.err" || fail "no warning on stderr for the dead service: $(cat "$tmp/p5.err")"
# A directory with no multilog file in it (the parent of the log dirs, say) is not "all clear".
"$bin" report --format json -c "$tmp/rules.yaml" --dir "$sv" >"$tmp/p5.json" 2>/dev/null ||
  fail "report --dir of a non-log directory exited $?"
echo "eq(d[\"warnings\"], [\"$sv holds no multilog 'current' nor @*.s archive: is it a log directory?\"], \"warnings\")" |
  jcheck "a directory without log files is said to be one" "$tmp/p5.json"

# Lines without a stamp (multilog run without `t`) are said to be, also when --date leaves
# them out; the ranges' one unstamped line too (the last line of all: read without --until).
mkdir -p "$tmp/nostamp"
(cd "$tmp/nostamp" && printf '%s\n' "$(grep relaying "$tmp/fixture.txt" | head -1)" |
  /usr/bin/multilog ./main) || fail "multilog without t failed"
"$bin" report --format json -c "$tmp/rules.yaml" --dir "$tmp/nostamp/main" --date 2026-11-28 \
  >"$tmp/p5.json" 2>/dev/null || fail "report of an unstamped log exited $?"
echo "eq(d[\"warnings\"], [\"$tmp/nostamp/main: no line has a multilog timestamp, so no line has a time: add 't' to multilog in the service's log/run\"], \"warnings\")" |
  jcheck "a log without stamps is said to be one" "$tmp/p5.json"
"$bin" report --format json -c "$tmp/volume.yaml" --dir "$logs" \
  >"$tmp/p5.json" 2>/dev/null || fail "report over the ranges exited $?"
echo "eq(d[\"warnings\"], [\"$logs: 1 line read has no multilog timestamp; each is dated like the stamped line before it\"], \"warnings\")" |
  jcheck "one unstamped line among stamped ones is said to be" "$tmp/p5.json"

# Read together with a stamped directory, the one without stamps is still named as such.
"$bin" report --format json -c "$tmp/rules.yaml" --dir "$main" --dir "$tmp/nostamp/main" \
  >"$tmp/p5.json" 2>/dev/null || fail "report of a stamped and an unstamped log exited $?"
echo "eq(d[\"warnings\"], [\"$tmp/nostamp/main: no line has a multilog timestamp, so no line has a time: add 't' to multilog in the service's log/run\"], \"warnings\")" |
  jcheck "an unstamped log among stamped ones is named" "$tmp/p5.json"

# Not one directory readable: no report (exit 1), not an empty one that reads as all clear.
mkdir -p "$tmp/dead/a/log" "$tmp/dead/b/log"
printf '#!/bin/sh\nexec multilog t ./main\n' >"$tmp/dead/a/log/run"
printf '#!/bin/sh\nexec multilog t ./main\n' >"$tmp/dead/b/log/run"
printf 'sources: {supervise_dir: %s}\nrules:\n  - {name: v, kind: volume, window: 1h, limit: 5}\n' \
  "$tmp/dead" >"$tmp/dead.yaml"
expect "no readable directory" 1 \
  "relaywatch report: unable to read $tmp/dead/a/log/main: No such file or directory" \
  -c "$tmp/dead.yaml"

# sagredo's layout: multilog writes every line to ./main and the qlog lines again to ./qlog. The
# copy is left out, so each recipient counts once (limit 15, 10 recipients: no finding), and on
# this qlog service the recipients count by qlog's authuser, not chkuser's forgeable AUTH field.
mkdir -p "$tmp/sagredo/smtpd/log"
printf '#!/bin/sh\nexec setuidgid qmaill multilog t ./main %s ./qlog\n' "'-*' '+*qlog*'" \
  >"$tmp/sagredo/smtpd/log/run"
for i in 0 1 2 3 4 5 6 7 8 9; do
  echo "CHKUSER relaying rcpt: from <spam@bank.example:ceo@example.com:> remote <web1:unknown:192.0.2.44> rcpt <r$i@gmail.example> : client allowed to relay"
  echo "qlogenvelope: result=accepted code=250 reason=rcptto detail=chkuserrelay helo=web1 mailfrom=spam@bank.example rcptto=r$i@gmail.example relay=yes rcpthosts=no size= authuser= authtype= encrypted= sslverified=no localip=192.0.2.10 localport=587 remoteip=192.0.2.44 remoteport=51234 remotehost=unknown qp= pid=4321"
done >"$tmp/sagredo.txt"
(cd "$tmp/sagredo/smtpd/log" && /usr/bin/multilog t ./main '-*' '+*qlog*' ./qlog <"$tmp/sagredo.txt") ||
  fail "multilog with a qlog copy failed"
[ "$(grep -c qlogenvelope "$tmp/sagredo/smtpd/log/qlog/current")" = 10 ] ||
  fail "multilog did not copy the 10 qlog lines to ./qlog"
printf 'sources: {supervise_dir: %s}\nrules:\n  - {name: v, kind: volume, window: 1h, limit: 15}\n  - {name: fs, kind: sender}\n' \
  "$tmp/sagredo" >"$tmp/sagredo.yaml"
"$bin" report --all --format json -c "$tmp/sagredo.yaml" >"$tmp/p5.json" 2>/dev/null ||
  fail "report of sagredo's layout exited $?"
/usr/bin/python3 - "$tmp/p5.json" <<'EOF' || fail "sagredo's layout: users and findings"
import json, sys
d = json.load(open(sys.argv[1]))
users = {u["user"]: u["recipients"] for u in d["users"]}
bad = []
if [s["dir"].rsplit("/", 1)[-1] for s in d["sources"]] != ["main"]:
    bad.append("sources %r, expected main only" % d["sources"])
# The look-ahead finds the qlog lines before the first recipient is counted: all ten go by
# qlog's empty authuser= to the client's address, none to chkuser's AUTH field, nothing is found.
if users != {"ip:192.0.2.44": 10}:
    bad.append("users %r, expected ip:192.0.2.44 with 10" % users)
if d["findings"]:
    bad.append("findings %r, expected none" % d["findings"])
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF
"$bin" check -c "$tmp/sagredo.yaml" >"$tmp/check.out" 2>&1 || fail "check of sagredo's layout exited $?"
grep -qF "$tmp/sagredo/smtpd/log/qlog holds copies of lines multilog also writes to $tmp/sagredo/smtpd/log/main; not read" \
  "$tmp/check.out" || fail "check does not say the qlog copy is not read: $(cat "$tmp/check.out")"

# `check` says what is valid but almost surely wrong: the dead service, a sender rule that
# cannot judge bare logins, an allowed service no source has.
"$bin" check -c "$tmp/rules.yaml" >"$tmp/check.out" 2>&1 || fail "check exited $?"
for want in \
  "warning: service smtps: $sv/smtps/log/main does not exist (yet); its log/run has not written it" \
  "warning: rule foreign-sender: a login written without '@' (bob) is not judged; set default_domain to judge it as bob@that-domain" \
  "warning: rule port25-auth: allowed service submission is none of the sources above; relaying there would be allowed, everywhere else it is a finding"; do
  grep -qxF "$want" "$tmp/check.out" || fail "check lacks \"$want\"; it said: $(cat "$tmp/check.out")"
done
grep -qF "allowed service smtps" "$tmp/check.out" && fail "check doubts smtps, which is a source"
# A sources.logs entry that is missing is the admin's path to fix; an empty directory is no log.
mkdir -p "$tmp/empty-log"
cat >"$tmp/logs.yaml" <<EOF
hostname: mx1.example.com
state_dir: $tmp/state
sources:
  supervise_dir: ""
  logs:
    - {service: smtp, dir: $tmp/no-such-log}
    - {service: submission, dir: $tmp/empty-log}
rules:
  - {name: hourly-volume, kind: volume, window: 1h, limit: 10}
EOF
"$bin" check -c "$tmp/logs.yaml" >"$tmp/check.out" 2>&1 || fail "check of sources.logs exited $?"
for want in \
  "warning: service smtp: $tmp/no-such-log does not exist; check sources.logs" \
  "warning: service submission: $tmp/empty-log holds no multilog 'current' nor @*.s archive (yet): is it the directory multilog writes?"; do
  grep -qxF "$want" "$tmp/check.out" || fail "check lacks \"$want\"; it said: $(cat "$tmp/check.out")"
done

# A report that could not be written is not a success; a local time the clocks skip is named so.
"$bin" report -c "$tmp/rules.yaml" --dir "$main" >/dev/full 2>"$tmp/p5.err"
got=$?
[ "$got" -eq 3 ] || fail "report to a full disk exited $got, expected 3"
grep -q "unable to write the report: No space left on device" "$tmp/p5.err" ||
  fail "report to a full disk said: $(cat "$tmp/p5.err")"
TZ=Europe/Rome "$bin" report -c "$tmp/rules.yaml" --dir "$main" --since 2026-03-29T02:30 \
  >/dev/null 2>"$tmp/p5.err"
got=$?
[ "$got" -eq 2 ] || fail "a skipped local time exited $got, expected 2"
grep -qF '"2026-03-29T02:30" does not exist in the local time zone (TZ)' "$tmp/p5.err" ||
  fail "a skipped local time said: $(cat "$tmp/p5.err")"
# A finding that runs past midnight shows LAST's date; one within a day shows only its time.
TZ=UTC "$bin" report -c "$tmp/volume.yaml" --dir "$logs" >"$tmp/p5.txt" 2>/dev/null ||
  fail "text report over the ranges exited $?"
grep -qE '^  2026-11-27 23:50:00 \.\. 2026-11-28 00:10:01 +hourly-volume +warm@example\.com ' \
  "$tmp/p5.txt" || fail "text report: warm's finding lacks LAST's date: $(cat "$tmp/p5.txt")"
grep -qE '^  2026-11-28 02:00:00 \.\. 02:00:0[0-9] +hourly-volume +mid@example\.com ' "$tmp/p5.txt" &&
  fail "mid has no finding (3 lines), yet one is shown"
grep -qE '^  2026-11-27 20:00:00 \.\. 20:00:04 +hourly-volume +daily@example\.com ' \
  "$tmp/p5.txt" || fail "text report: daily's same-day finding is not FIRST .. time"
# --user ip:ADDRESS finds the address whatever the case of its hex digits.
mkdir -p "$tmp/v6"
printf '%s CHKUSER relaying rcpt: from <www@web.example::> remote <web1:unknown:2001:DB8::5> rcpt <a@gmail.example> : client allowed to relay\n' \
  "$(sed -n 's/^\(@[0-9a-f]\{24\}\) .*/\1/p' "$main/current" | head -1)" >"$tmp/v6/current"
"$bin" report --all --format json -c "$tmp/rules.yaml" --dir "$tmp/v6" --user ip:2001:db8::5 \
  >"$tmp/p5.json" 2>/dev/null || fail "report --user ip:2001:db8::5 exited $?"
echo 'eq([(u["user"], u["recipients"]) for u in d["users"]], [("ip:2001:db8::5", 1)], "users")' |
  jcheck "--user ip: ignores the case of hex digits; the key is the address's one spelling" \
    "$tmp/p5.json"
expect "empty user" 2 "relaywatch report: --user: expected a login or ip:ADDRESS" \
  -c "$tmp/rules.yaml" --dir "$main" --user ''

[ -f "$tmp/jcheck.failed" ] && failures=$((failures + $(wc -l <"$tmp/jcheck.failed")))
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
