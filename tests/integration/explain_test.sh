#!/bin/sh
# explain_test.sh RELAYWATCH: `relaywatch explain` over a relaying line, a spoofed sender, a
# malformed line (as one LINE and through -f, with its summary), compared with the exact text;
# and its usage errors (exit 2).
set -u
bin=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rw-explain.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cat >"$tmp/rules.yaml" <<'YAML'
default_domain: example.com
rules:
  - {name: hourly-volume, kind: volume, window: 1h, limit: 10}
  - {name: foreign-sender, kind: sender, window: 1d, limit: 1,
     domain_aliases: [[example.com, example.net]]}
  - {name: port25-auth, kind: service-policy, allowed_services: [submission]}
YAML

relay='@400000006b0a42a801c2d3e4 CHKUSER relaying rcpt: from <www@web.example::> remote <web1:unknown:198.51.100.7> rcpt <a@gmail.example> : client allowed to relay'
"$bin" explain -c "$tmp/rules.yaml" "$relay" >"$tmp/relay.out" 2>"$tmp/relay.err" ||
  fail "explain LINE exited $?: $(cat "$tmp/relay.err")"
cat >"$tmp/relay.want" <<WANT
line 1: $relay
  event:    chkuser relaying rcpt
  login:    ip:198.51.100.7 (basis ip)
  sender:   www@web.example
  client:   198.51.100.7
  service:  smtp
  counted:  a relayed recipient, not authenticated
  rule hourly-volume   volume          counts
  rule foreign-sender  sender          no: not authenticated
  rule port25-auth     service-policy  no: not authenticated
WANT
diff -u "$tmp/relay.want" "$tmp/relay.out" || fail "explain of a line relayed by IP"

# A spoofed sender (the escape byte in it comes out as \x1b) on port 25, a sender of an aliased
# domain, and a line chkuser's parser refuses; through -f FILE.
esc=$(printf '\033')
printf '%s\n' \
  "CHKUSER relaying rcpt: from <ceo$esc@bank.example:Suzy:> remote <laptop:unknown:203.0.113.5> rcpt <x@gmail.example> : client allowed to relay" \
  'CHKUSER relaying rcpt: from <suzy@example.net:suzy@example.com:> remote <laptop:unknown:203.0.113.5> rcpt <y@gmail.example> : client allowed to relay' \
  'CHKUSER relaying rcpt: from <x@y> remote <laptop' >"$tmp/lines"
"$bin" explain -c "$tmp/rules.yaml" -f "$tmp/lines" >"$tmp/file.out" 2>"$tmp/file.err" ||
  fail "explain -f exited $?: $(cat "$tmp/file.err")"
cat >"$tmp/file.want" <<'WANT'
line 1: CHKUSER relaying rcpt: from <ceo\x1b@bank.example:Suzy:> remote <laptop:unknown:203.0.113.5> rcpt <x@gmail.example> : client allowed to relay
  event:    chkuser relaying rcpt
  login:    suzy@example.com (basis chkuser)
  sender:   ceo\x1b@bank.example
  client:   203.0.113.5
  service:  smtp
  counted:  a relayed recipient, authenticated
  rule hourly-volume   volume          counts
  rule foreign-sender  sender          counts (foreign sender ceo\x1b@bank.example)
  rule port25-auth     service-policy  counts (on service smtp)

line 2: CHKUSER relaying rcpt: from <suzy@example.net:suzy@example.com:> remote <laptop:unknown:203.0.113.5> rcpt <y@gmail.example> : client allowed to relay
  event:    chkuser relaying rcpt
  login:    suzy@example.com (basis chkuser)
  sender:   suzy@example.net
  client:   203.0.113.5
  service:  smtp
  counted:  a relayed recipient, authenticated
  rule hourly-volume   volume          counts
  rule foreign-sender  sender          no: sender allowed: policy same-domain through domain_aliases
  rule port25-auth     service-policy  counts (on service smtp)

line 3: CHKUSER relaying rcpt: from <x@y> remote <laptop
  event:    malformed (chkuser: no '> rcpt <')
  rule hourly-volume   volume          no: malformed: chkuser: no '> rcpt <'
  rule foreign-sender  sender          no: malformed: chkuser: no '> rcpt <'
  rule port25-auth     service-policy  no: malformed: chkuser: no '> rcpt <'

summary: 3 lines
  by event kind:
           2  chkuser relaying rcpt
           1  malformed
  counted by rule:
           2  hourly-volume (volume)
           1  foreign-sender (sender)
           2  port25-auth (service-policy)
WANT
diff -u "$tmp/file.want" "$tmp/file.out" || fail "explain -f over three lines"

# --service submission: the service-policy rule allows it.
"$bin" explain -c "$tmp/rules.yaml" --service submission "$relay" >"$tmp/sub.out" 2>&1
grep -qxF '  service:  submission' "$tmp/sub.out" || fail "--service: $(cat "$tmp/sub.out")"

# Usage errors exit 2 with the reason; a file that cannot be read exits 1.
for args in "" "-f $tmp/lines extra" "one two"; do
  # shellcheck disable=SC2086
  "$bin" explain -c "$tmp/rules.yaml" $args >/dev/null 2>"$tmp/usage.err"
  got=$?
  [ "$got" -eq 2 ] || fail "explain $args exited $got, expected 2"
  head -1 "$tmp/usage.err" | grep -q '^relaywatch explain: ' ||
    fail "explain $args said $(cat "$tmp/usage.err")"
done
"$bin" explain -c "$tmp/rules.yaml" -f "$tmp/nonexistent" >/dev/null 2>"$tmp/nofile.err"
got=$?
[ "$got" -eq 1 ] || fail "explain -f of a missing file exited $got, expected 1"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
