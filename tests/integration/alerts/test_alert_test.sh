#!/bin/sh
# test_alert_test.sh RELAYWATCH SOURCE_DIR: `relaywatch test-alert` through every kind of channel,
# against the SMTP sink (tests/support/smtp_sink.py) on loopback.
#
# Channels: sms via smtp, email via sendmail (msmtp, /usr/sbin/sendmail -C msmtprc), email via
# smtp, json via exec (exec_hook.py records stdin and environment).
#   1. all channels up: exit 0, one "NAME  sent: ..." line per channel; the sink holds one message
#      per mail channel, marked as a test (SMS "TEST alert", <= 160 printable ASCII; mail subject
#      and body say test, headers Date/From/To/Subject/Message-ID/MIME-Version), the hook gets
#      kind and state "test" in its JSON and RELAYWATCH_KIND=test; nothing is spooled.
#   2. --channel NAME sends through that channel only (exit 0).
#   3. sink down: each mail channel exits 1 with "NAME  FAILED (temporary): ..." naming the
#      server and "Connection refused", escaped once; all channels: exit 1, the hook still sent.
#   4. the hook failing (exit 111 / 100): FAILED (temporary) / FAILED (permanent), exit 1.
#   5. the sink refusing the recipient (550): FAILED (permanent) with the server's words, exit 1.
#   6. a server that never answers: FAILED (temporary) within the channel's timeout (3s).
#   7. an unknown --channel: exit 1, "no channel named ...".
set -eu
bin=$1
src=$2
here=$src/tests/integration/alerts
py=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rw-test-alert.XXXXXX")
sink_pid=
cleanup() {
  if [ -n "$sink_pid" ]; then kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
failures=0
checks=0
ok() { checks=$((checks + 1)); }
fail() { printf "%s\n" "FAIL: $*"; failures=$((failures + 1)); }
check() {  # check DESCRIPTION COMMAND...
  what=$1; shift
  if "$@"; then ok; else fail "$what"; fi
}

# start_sink DIR [PORT [ARGS...]]: starts the sink, sets sink_pid and port.
start_sink() {
  d=$1; p=${2:-0}; shift; [ $# -gt 0 ] && shift
  mkdir -p "$d"
  : > "$tmp/sink.out"
  "$py" "$src/tests/support/smtp_sink.py" --dir "$d" --port "$p" "$@" > "$tmp/sink.out" 2>> "$tmp/sink.err" &
  sink_pid=$!
  i=0
  while ! grep -q '^port ' "$tmp/sink.out"; do
    i=$((i + 1))
    if [ $i -gt 200 ]; then echo "FAIL: the SMTP sink did not start"; cat "$tmp/sink.err"; exit 1; fi
    sleep 0.05
  done
  port=$(sed -n 's/^port //p' "$tmp/sink.out")
}
stop_sink() {
  kill "$sink_pid"; wait "$sink_pid" 2>/dev/null || true; sink_pid=
}

# write_config PORT: the config and msmtprc for a sink on PORT.
write_config() {
  cat > "$tmp/msmtprc" <<EOF
defaults
auth off
tls off
timeout 5
account default
host 127.0.0.1
port $1
from relaywatch@mx1.example.com
domain mx1.example.com
EOF
  chmod 600 "$tmp/msmtprc"
  cat > "$tmp/relaywatch.yaml" <<EOF
{"hostname": "mx1.example.com", "state_dir": "$tmp/state",
 "sources": {"supervise_dir": "", "logs": []},
 "rules": [{"name": "hourly-volume", "kind": "volume", "window": "1h", "limit": 100}],
 "alerts": {"channels": [
  {"name": "sms", "format": "sms", "via": "smtp", "host": "127.0.0.1", "port": $1,
   "from": "relaywatch@mx1.example.com", "to": ["5551234567@sms.example"], "timeout": "3s"},
  {"name": "mail", "format": "email", "via": "sendmail",
   "command": ["/usr/sbin/sendmail", "-C", "$tmp/msmtprc", "-i"],
   "from": "relaywatch@mx1.example.com", "to": ["postmaster@example.com"], "timeout": "20s"},
  {"name": "mail-smtp", "format": "email", "via": "smtp", "host": "127.0.0.1", "port": $1,
   "from": "relaywatch@mx1.example.com", "to": ["abuse@example.com"], "timeout": "3s"},
  {"name": "hook", "format": "json", "via": "exec",
   "command": ["$py", "$here/exec_hook.py", "$tmp/hook.jsonl"], "timeout": "10s"}]}}
EOF
}

# run_ta ARGS...: runs test-alert, sets rc, out (stdout) and err (stderr).
run_ta() {
  set +e
  "$bin" test-alert -c "$tmp/relaywatch.yaml" "$@" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  set -e
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
}
count_mail() { ls "$1" 2>/dev/null | grep -c '\.json$' || true; }
count_hook() { [ -f "$tmp/hook.jsonl" ] && wc -l < "$tmp/hook.jsonl" | tr -d ' ' || echo 0; }
has() { printf '%s\n' "$1" | grep -q -- "$2"; }
hasnt() { ! printf '%s\n' "$1" | grep -q -- "$2"; }
line_of() { printf '%s\n' "$out" | grep "^$1 " || true; }

start_sink "$tmp/mail"
write_config "$port"

# 1. Every channel, all up.
run_ta
printf "%s\n" "$out"
check "test-alert exits 0 with every channel up (got $rc: $err)" [ "$rc" = 0 ]
for ch in sms mail mail-smtp hook; do
  check "a 'sent' line for $ch: $(line_of "$ch")" has "$(line_of "$ch")" "^$ch  *sent"
done
check "the sink holds 3 messages ($(count_mail "$tmp/mail"))" [ "$(count_mail "$tmp/mail")" = 3 ]
check "the hook ran once ($(count_hook))" [ "$(count_hook)" = 1 ]
check "test-alert spools nothing" [ ! -d "$tmp/state/spool" ]
if "$py" - "$tmp/mail" "$tmp/hook.jsonl" <<'EOF'
import email, email.policy, json, os, re, sys
mail, hook = sys.argv[1], sys.argv[2]
bad = []
seen = []  # each message's recipients: one message per channel, to that channel's recipient
def need(cond, what):
    if not cond:
        bad.append(what)
for name in sorted(n for n in os.listdir(mail) if n.endswith(".json")):
    meta = json.load(open(os.path.join(mail, name)))
    raw = open(os.path.join(mail, name[:-5] + ".eml"), "rb").read()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    body = m.get_payload(decode=True).decode()
    rcpt = meta["rcpt_tos"]
    seen.append(",".join(rcpt))
    need(meta["mail_from"] == "relaywatch@mx1.example.com", "envelope sender %r" % meta["mail_from"])
    need(re.fullmatch(r"<test-[a-z0-9-]+@mx1\.example\.com>", m["Message-ID"] or "") is not None,
         "Message-ID of a test alert: %r" % m["Message-ID"])
    if rcpt == ["5551234567@sms.example"]:
        text = body.rstrip("\r\n")
        need("TEST alert" in text and text.startswith("mx1 "), "SMS marked as a test: %r" % text)
        need(len(text) <= 160 and all(0x20 <= ord(c) <= 0x7e for c in text), "SMS <= 160 ASCII: %r" % text)
        print("SMS (%d chars): %s" % (len(text), text))
    elif rcpt in (["postmaster@example.com"], ["abuse@example.com"]):
        for h in ("Date", "From", "To", "Subject", "Message-ID", "MIME-Version"):
            need(len(m.get_all(h) or []) == 1, "mail has one %s header" % h)
        need("TEST" in m["Subject"], "mail subject marked as a test: %r" % m["Subject"])
        need("This is a test alert from relaywatch on mx1.example.com" in body and
             "No action needed" in body, "mail body says it is a test: %r" % body[:300])
        need(m["To"] == rcpt[0], "To %r" % m["To"])
        print("mail to %s: %d bytes, subject %r" % (rcpt[0], len(raw), m["Subject"]))
    else:
        need(False, "message to an unexpected recipient %r" % rcpt)
need(sorted(seen) == ["5551234567@sms.example", "abuse@example.com", "postmaster@example.com"],
     "one message to each channel's recipient, got %r" % sorted(seen))
recs = [json.loads(l) for l in open(hook)]
for r in recs:
    a = json.loads(bytes.fromhex(r["stdin_hex"]))
    env = {k: bytes.fromhex(v).decode() for k, v in r["env"].items()}
    need(a.get("kind") == "test" and a.get("state") == "test", "hook JSON kind/state test: %r" % a)
    for k in ("id", "rule", "kind", "user", "count", "limit", "window", "first", "last", "host"):
        need(k in a, "hook JSON has %s" % k)
    need(a.get("host") == "mx1.example.com", "hook JSON host %r" % a.get("host"))
    need(env.get("RELAYWATCH_KIND") == "test" and env.get("RELAYWATCH_STATE") == "test",
         "hook env marks a test: %r" % env)
    need(env.get("RELAYWATCH_ID") == a.get("id"), "RELAYWATCH_ID is the JSON id")
    print("hook JSON (%d bytes): kind %s, id %s" % (len(r["stdin_hex"]) // 2, a.get("kind"), a.get("id")))
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
EOF
then ok; else fail "content of the test alerts (above)"; fi

# 2. One channel at a time.
for ch in sms mail mail-smtp hook; do
  before_m=$(count_mail "$tmp/mail"); before_h=$(count_hook)
  run_ta --channel "$ch"
  check "--channel $ch exits 0 (got $rc: $out $err)" [ "$rc" = 0 ]
  check "--channel $ch prints only its line: $out" [ "$(printf '%s\n' "$out" | wc -l)" = 1 ]
  check "--channel $ch: $out" has "$out" "^$ch  *sent"
  after_m=$(count_mail "$tmp/mail"); after_h=$(count_hook)
  if [ "$ch" = hook ]; then
    check "--channel hook runs the hook once" [ "$after_h" = $((before_h + 1)) ]
    check "--channel hook sends no mail" [ "$after_m" = "$before_m" ]
  else
    check "--channel $ch sends one mail ($before_m->$after_m)" [ "$after_m" = $((before_m + 1)) ]
    check "--channel $ch does not run the hook" [ "$after_h" = "$before_h" ]
  fi
done

# 3. The sink down.
stop_sink
for ch in sms mail mail-smtp; do
  run_ta --channel "$ch"
  printf "%s\n" "$out"
  check "--channel $ch with the sink down exits 1 (got $rc)" [ "$rc" = 1 ]
  check "--channel $ch says FAILED (temporary): $out" has "$out" "^$ch  *FAILED (temporary): "
  check "--channel $ch names the server: $out" has "$out" "127.0.0.1[:,] *\(port \)\{0,1\}$port"
  check "--channel $ch says the connection was refused: $out" has "$out" "Connection refused"
  check "--channel $ch: the detail is escaped once (no doubled backslash, bugs.md B5): $out" hasnt "$out" '\\\\'
done
run_ta
check "all channels with the sink down exit 1 (got $rc)" [ "$rc" = 1 ]
check "the hook is still sent with the sink down: $out" has "$(line_of hook)" "^hook  *sent"
check "three channels fail with the sink down: $out" [ "$(printf '%s\n' "$out" | grep -c 'FAILED (temporary)')" = 3 ]

# 4. The hook failing.
echo 111 > "$tmp/hook.jsonl.exit"
run_ta --channel hook
check "a hook exiting 111: exit 1 (got $rc)" [ "$rc" = 1 ]
check "a hook exiting 111 fails temporarily: $out" has "$out" "^hook  *FAILED (temporary): .*111"
echo 100 > "$tmp/hook.jsonl.exit"
run_ta --channel hook
check "a hook exiting 100: exit 1 (got $rc)" [ "$rc" = 1 ]
check "a hook exiting 100 fails permanently: $out" has "$out" "^hook  *FAILED (permanent): .*100"
rm -f "$tmp/hook.jsonl.exit"

# 5. The sink refusing the recipient.
start_sink "$tmp/mail-refuse" "$port" --mode refuse-rcpt --reply "550 5.1.1 no such user here"
run_ta --channel sms
printf "%s\n" "$out"
check "a 550: exit 1 (got $rc)" [ "$rc" = 1 ]
check "a 550 is a permanent failure with the server's words: $out" has "$out" "^sms  *FAILED (permanent): .*550 5.1.1 no such user here"
stop_sink

# 6. A server that never answers: the channel's timeout (3s) bounds it.
start_sink "$tmp/mail-stall" "$port" --mode stall-greeting
t0=$(date +%s)
run_ta --channel sms
t1=$(date +%s)
printf "%s\n" "$out ($((t1 - t0))s)"
check "a silent server: exit 1 (got $rc)" [ "$rc" = 1 ]
check "a silent server fails temporarily: $out" has "$out" "^sms  *FAILED (temporary): "
check "within the 3s timeout (took $((t1 - t0))s)" [ $((t1 - t0)) -le 6 ]
stop_sink

# 7. An unknown channel.
run_ta --channel pager
check "an unknown channel exits 1 (got $rc)" [ "$rc" = 1 ]
check "an unknown channel is named: $err" has "$err" "no channel named pager"

echo "test_alert: $checks checks passed, $failures failed"
[ "$failures" = 0 ]
