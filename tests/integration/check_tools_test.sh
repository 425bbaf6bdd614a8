#!/bin/sh
# check_tools_test.sh RELAYWATCH: `relaywatch check` on configs that are valid but broken: a
# channel's program missing or not executable (an error, exit 1), an SMTP host that does not
# resolve (a warning), and, as root, a log directory or current file that the user relaywatch's
# run script drops to (setuidgid nobody) may not read, in a directory real multilog wrote.
set -u
bin=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rw-check-tools.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
chmod 755 "$tmp"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
has() {  # has FILE LINE: FILE holds LINE exactly
  grep -qxF -- "$2" "$1" || fail "$(basename "$1") lacks \"$2\"; it holds: $(cat "$1")"
}

mkdir -p "$tmp/bin" "$tmp/state"
chmod 700 "$tmp/state"
[ "$(id -u)" -eq 0 ] && chown nobody "$tmp/state"
printf '#!/bin/sh\ncat >/dev/null\n' >"$tmp/bin/inject"
printf '#!/bin/sh\ncat >/dev/null\n' >"$tmp/bin/on-abuse"
chmod 755 "$tmp/bin/inject"
chmod 644 "$tmp/bin/on-abuse"
# config CHANNELS...: $tmp/rw.yaml with the services of $tmp/sv and these channel lines
config() {
  {
    printf 'hostname: mx1\nstate_dir: %s\nsources:\n  supervise_dir: %s\n' "$tmp/state" "$tmp/sv"
    printf 'rules:\n  - {name: hourly-volume, kind: volume, window: 1h, limit: 10}\n'
    printf 'alerts:\n  channels:\n'
    for c in "$@"; do printf '    - %s\n' "$c"; done
  } >"$tmp/rw.yaml"
}
mail='from: rw@example.com, to: [postmaster@example.com]'

# A service whose log/run is real multilog, and relaywatch's own run script dropping to nobody.
mkdir -p "$tmp/sv/smtp/log" "$tmp/sv/relaywatch"
printf '#!/bin/sh\nexec true\n' >"$tmp/sv/smtp/run"
printf '#!/bin/sh\nexec multilog t s1000000 n12 ./main\n' >"$tmp/sv/smtp/log/run"
printf '#!/bin/sh\nexec 2>&1\nexec setuidgid nobody relaywatch run -c /etc/relaywatch/relaywatch.yaml\n' \
  >"$tmp/sv/relaywatch/run"
chmod 755 "$tmp/sv/smtp/run" "$tmp/sv/smtp/log/run" "$tmp/sv/relaywatch/run"
echo 'tcpserver: status: 0/40' | (cd "$tmp/sv/smtp/log" && multilog t s1000000 n12 ./main)
main=$tmp/sv/smtp/log/main
chmod 755 "$main"
chmod 644 "$main/current"

# A good config: exit 0, no error, no warning.
config "{name: phone, format: sms, via: sendmail, command: [$tmp/bin/inject], $mail}"
"$bin" check -c "$tmp/rw.yaml" >"$tmp/good.out" 2>"$tmp/good.err" ||
  fail "check of a good config exited $?: $(cat "$tmp/good.err")"
has "$tmp/good.out" "$tmp/rw.yaml: ok"
grep -q 'warning\|error' "$tmp/good.out" "$tmp/good.err" &&
  fail "check of a good config warns: $(cat "$tmp/good.out" "$tmp/good.err")"

# A missing program and a program that is not executable: errors, exit 1.
config "{name: phone, format: sms, via: sendmail, command: [$tmp/bin/qmail-inject], $mail}" \
  "{name: hook, format: json, via: exec, command: [$tmp/bin/on-abuse]}" \
  "{name: dir, format: json, via: exec, command: [$tmp/bin]}"
"$bin" check -c "$tmp/rw.yaml" >"$tmp/prog.out" 2>"$tmp/prog.err"
rc=$?
[ $rc -eq 1 ] || fail "check with missing programs exited $rc, expected 1"
has "$tmp/prog.err" "error: channel phone: $tmp/bin/qmail-inject does not exist"
has "$tmp/prog.err" "error: channel hook: $tmp/bin/on-abuse is not executable"
has "$tmp/prog.err" "error: channel dir: $tmp/bin is a directory, not a program"
has "$tmp/prog.out" "$tmp/rw.yaml: valid, but 3 errors (on stderr) stop alerts"

# An SMTP host that does not resolve (.invalid never does): a warning with the resolver's words.
config "{name: admins, format: email, via: smtp, host: mail.example.invalid, port: 25, $mail}"
"$bin" check -c "$tmp/rw.yaml" >"$tmp/dns.out" 2>"$tmp/dns.err" ||
  fail "check with an unresolvable host exited $?, expected 0: $(cat "$tmp/dns.err")"
grep -qx "warning: channel admins: host mail\.example\.invalid does not resolve: [A-Za-z].*; its alerts wait, retried, until it does" \
  "$tmp/dns.out" || fail "check does not warn of mail.example.invalid: $(cat "$tmp/dns.out")"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the run user's view needs root"
else
  # As root, for nobody (the run script's setuidgid): a program only root may run ...
  cp "$tmp/bin/inject" "$tmp/bin/root-only"
  chmod 700 "$tmp/bin/root-only"
  config "{name: phone, format: sms, via: sendmail, command: [$tmp/bin/root-only], $mail}"
  "$bin" check -c "$tmp/rw.yaml" >"$tmp/root.out" 2>"$tmp/root.err"
  rc=$?
  [ $rc -eq 1 ] || fail "check with a root-only program exited $rc, expected 1"
  has "$tmp/root.err" "error: channel phone: $tmp/bin/root-only is not executable by nobody (the user relaywatch runs as)"
  # ... a log dir of 0700, a current of 0600, a directory above the log that nobody may not search.
  config "{name: phone, format: sms, via: sendmail, command: [$tmp/bin/inject], $mail}"
  who="is not readable by nobody (the user relaywatch runs as)"
  chmod 700 "$main"
  "$bin" check -c "$tmp/rw.yaml" >"$tmp/dir.out" 2>&1 || fail "check exited $?"
  has "$tmp/dir.out" "warning: service smtp: $main $who"
  chmod 755 "$main"
  chmod 600 "$main/current"
  "$bin" check -c "$tmp/rw.yaml" >"$tmp/cur.out" 2>&1 || fail "check exited $?"
  has "$tmp/cur.out" "warning: service smtp: $main/current $who"
  chmod 644 "$main/current"
  chmod 700 "$tmp/sv/smtp/log"
  "$bin" check -c "$tmp/rw.yaml" >"$tmp/up.out" 2>&1 || fail "check exited $?"
  has "$tmp/up.out" "warning: service smtp: $main $who: $tmp/sv/smtp/log above it may not be searched"
  chmod 755 "$tmp/sv/smtp/log"
  # Owned by nobody (0700) it is readable: no warning.
  chown -R nobody "$main"
  chmod 700 "$main"
  "$bin" check -c "$tmp/rw.yaml" >"$tmp/own.out" 2>&1 || fail "check exited $?"
  grep -q "not readable" "$tmp/own.out" && fail "check warns of nobody's own dir: $(cat "$tmp/own.out")"
fi
[ $failures -eq 0 ] && echo "PASS" && exit 0
exit 1
