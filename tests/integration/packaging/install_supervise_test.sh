#!/bin/sh
# install-supervise.sh in temporary roots.
# Static (no svscan): a /service root with qmail's group, qmaill and /var/log/qmail; dry run, real
# run, second run, refusals; an /etc/service root; a QMailToaster-style root (services in
# /var/qmail/supervise, no /service): found, built as .relaywatch and renamed, no /service made;
# a bare root; usage errors.
# Running (real svscan, supervise, setuidgid, multilog and the built relaywatch, chrooted into a
# small root the test makes from this machine's binaries): a /service tree and a QMailToaster
# tree whose svscan scans /var/qmail/supervise, each with svscan already running as on a live
# server. Each install is found from the running svscan, starts within one scan, runs relaywatch
# as user relaywatch and its primary group, writes its log, and is removed with the commands
# README.md gives for that layout ("Run under daemontools"); on the toaster, svscan does not
# start it again.
# Needs root (useradd --root, chroot); exits 77 (skipped) otherwise.
# Not tested here: NSS (getent) lookups on /, a real toaster's svscanboot.
# Usage: install_supervise_test.sh SOURCE_DIR RELAYWATCH_BINARY
set -eu
src=${1:?usage: install_supervise_test.sh SOURCE_DIR RELAYWATCH}
relaywatch_bin=${2:?usage: install_supervise_test.sh SOURCE_DIR RELAYWATCH}
script=$src/packaging/install-supervise.sh
if [ "$(id -u)" != 0 ]; then
  echo "install_supervise_test: skipped: needs root (useradd --root, chroot)"
  exit 77
fi
tmp=$(mktemp -d /var/tmp/relaywatch-is-test.XXXXXX)
svscans=
cleanup() {
  set +e
  for pid in $svscans; do kill "$pid" 2>/dev/null; done
  # supervise, multilog and relaywatch run chrooted under $tmp: stop them by their root.
  for p in /proc/[0-9]*; do
    case "$(readlink "$p/root" 2>/dev/null)" in "$tmp"/*) kill "${p#/proc/}" 2>/dev/null ;; esac
  done
  sleep 0.2
  for p in /proc/[0-9]*; do
    case "$(readlink "$p/root" 2>/dev/null)" in "$tmp"/*) kill -9 "${p#/proc/}" 2>/dev/null ;; esac
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
expect_eq() {  # expect_eq WHAT GOT WANT
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got '$2', want '$3'"; fi
}
expect_grep() {  # expect_grep WHAT PATTERN FILE
  if grep -q -- "$2" "$3"; then ok "$1"; else fail "$1: no '$2' in $3:"; sed 's/^/    /' "$3"; fi
}
# Waits up to $1 seconds for a command to succeed; polls every 0.2 s.
wait_for() {
  limit=$(($1 * 5))
  shift
  i=0
  while [ $i -lt $limit ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
    i=$((i + 1))
  done
  return 1
}
# A listing of everything under a root with modes, owners and contents, to prove "unchanged".
snapshot() {
  (cd "$1" && find . -printf '%p %m %U %G %l\n' | sort && find . -type f -exec md5sum {} + | sort)
}
new_root() {  # new_root DIR toaster|bare
  mkdir -p "$1/etc"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$1/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$1/etc/group"
  : >"$1/etc/shadow"
  : >"$1/etc/gshadow"
  if [ "$2" = toaster ]; then
    echo 'qmaill:x:7501:2108::/var/qmail:/sbin/nologin' >>"$1/etc/passwd"
    echo 'qmail:x:2107:' >>"$1/etc/group"
    echo 'nofiles:x:2108:' >>"$1/etc/group"
    mkdir -p "$1/var/log/qmail/submission" "$1/var/qmail/supervise/submission/log"
    cp "$src/tests/fixtures/log-run/qmailtoaster-submission.run" "$1/var/qmail/supervise/submission/log/run"
    printf '#!/bin/sh\nexec true\n' >"$1/var/qmail/supervise/submission/run"
    chmod 0755 "$1/var/qmail/supervise/submission/run" "$1/var/qmail/supervise/submission/log/run"
  fi
}
field() { grep "^$1:" "$2" | cut -d: -f"$3"; }

# --- A /service root (Life with qmail): dry run first. ---
r=$tmp/lwq
new_root "$r" toaster
mkdir "$r/service"
snapshot "$r" >"$tmp/before"
sh "$script" --root "$r" --dry-run >"$tmp/out" 2>"$tmp/err" || fail "dry run exited $?"
snapshot "$r" >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" || fail "dry run changed the root: $(diff "$tmp/before" "$tmp/after")"
expect_grep "dry run says so" "dry run: nothing is changed" "$tmp/out"
expect_grep "dry run: where svscan looks" "svscan scans /service (no svscan running; /service exists)" "$tmp/out"
expect_grep "dry run: user" "+ useradd --root $r --system --gid qmail --home-dir /var/lib/relaywatch" "$tmp/out"
expect_grep "dry run: state dir" "+ chmod 0700 $r/var/lib/relaywatch" "$tmp/out"
expect_grep "dry run: run" "+ install -m 0755 (new) /var/qmail/supervise/relaywatch/run:" "$tmp/out"
expect_grep "dry run: log/run content" "| exec setuidgid qmaill multilog t s1000000 n10 /var/log/qmail/relaywatch" "$tmp/out"
expect_grep "dry run: log dir owner" "+ chown qmaill:nofiles /var/log/qmail/relaywatch" "$tmp/out"
expect_grep "dry run: link" "+ ln -s /var/qmail/supervise/relaywatch $r/service/relaywatch" "$tmp/out"

# --- The real run. ---
sh "$script" --root "$r" >"$tmp/out" 2>"$tmp/err" || { fail "install exited $?"; cat "$tmp/err"; }
expect_grep "says where to look" "svstat /service/relaywatch" "$tmp/out"
expect_grep "says how to remove it" "cd /service/relaywatch && rm /service/relaywatch && svc -dx . log" "$tmp/out"
expect_eq "relaywatch's primary group" "$(field relaywatch "$r/etc/passwd" 4)" 2107
expect_eq "relaywatch's shell" "$(field relaywatch "$r/etc/passwd" 7)" /usr/sbin/nologin
uid=$(field relaywatch "$r/etc/passwd" 3)
[ "$uid" -lt 1000 ] || fail "relaywatch is not a system user (uid $uid)"
expect_eq "state dir" "$(stat -c '%a %u %g' "$r/var/lib/relaywatch")" "700 $uid 2107"
cmp -s "$r/var/qmail/supervise/relaywatch/run" "$src/supervise/relaywatch/run" ||
  fail "run is not the template"
expect_eq "run mode" "$(stat -c %a "$r/var/qmail/supervise/relaywatch/run")" 755
expect_eq "service dir mode" "$(stat -c %a "$r/var/qmail/supervise/relaywatch")" 1755
expect_eq "log/run exec line" "$(grep '^exec' "$r/var/qmail/supervise/relaywatch/log/run")" \
  "exec setuidgid qmaill multilog t s1000000 n10 /var/log/qmail/relaywatch"
sh -n "$r/var/qmail/supervise/relaywatch/log/run" || fail "log/run is not valid sh"
expect_eq "log dir" "$(stat -c '%a %u %g' "$r/var/log/qmail/relaywatch")" "750 7501 2108"
expect_eq "link" "$(readlink "$r/service/relaywatch")" /var/qmail/supervise/relaywatch

# --- Again: nothing to do, nothing changed. ---
snapshot "$r" >"$tmp/before"
sh "$script" --root "$r" >"$tmp/out" 2>&1 || fail "second run exited $?"
snapshot "$r" >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" || fail "second run changed the root: $(diff "$tmp/before" "$tmp/after")"
expect_eq "second run output" "$(tail -n 1 "$tmp/out")" \
  "install-supervise.sh: /var/qmail/supervise/relaywatch is already set up; nothing to do"

# --- An edited run is never replaced: refused with the difference, nothing changed. ---
echo 'exec setuidgid relaywatch relaywatch run -c /etc/relaywatch/other.yaml' >>"$r/var/qmail/supervise/relaywatch/run"
rm "$r/service/relaywatch"
snapshot "$r" >"$tmp/before"
if sh "$script" --root "$r" >"$tmp/out" 2>"$tmp/err"; then fail "an edited run was not refused"; fi
snapshot "$r" >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" || fail "the refused run changed the root (it must not even link)"
expect_grep "refusal names the file" "/var/qmail/supervise/relaywatch/run exists and differs" "$tmp/err"
expect_grep "refusal shows the diff" "^-exec setuidgid relaywatch relaywatch run -c /etc/relaywatch/other.yaml" "$tmp/err"
expect_grep "refusal says what to do" "refusing to replace an existing service" "$tmp/err"

# --- A service link that points elsewhere is refused too. ---
r2=$tmp/lwq2
new_root "$r2" toaster
mkdir "$r2/service"
ln -s /opt/other/relaywatch "$r2/service/relaywatch"
if sh "$script" --root "$r2" >"$tmp/out" 2>"$tmp/err"; then fail "a foreign link was not refused"; fi
expect_grep "foreign link" "/service/relaywatch exists and is /opt/other/relaywatch" "$tmp/err"
[ ! -e "$r2/var/qmail/supervise/relaywatch" ] || fail "the refused run created the service dir"
sh "$script" --root "$r2" --no-link >"$tmp/out" 2>"$tmp/err" || fail "--no-link exited $?"
expect_eq "--no-link leaves the link" "$(readlink "$r2/service/relaywatch")" /opt/other/relaywatch

# --- Only /etc/service (Debian's daemontools-run): linked there. ---
r4=$tmp/debian
new_root "$r4" bare
mkdir -p "$r4/etc/service"
sh "$script" --root "$r4" >"$tmp/out" 2>"$tmp/err" || { fail "/etc/service install exited $?"; cat "$tmp/err"; }
expect_grep "/etc/service: found" "svscan scans /etc/service (no svscan running; /etc/service exists)" "$tmp/out"
expect_eq "/etc/service: linked" "$(readlink "$r4/etc/service/relaywatch")" /var/qmail/supervise/relaywatch
[ ! -e "$r4/service" ] && ok "/etc/service: no /service made" || fail "/etc/service: /service was made"

# --- A QMailToaster root: svscan scans /var/qmail/supervise, there is no /service. ---
r5=$tmp/qmt
new_root "$r5" toaster
sh "$script" --root "$r5" --dry-run >"$tmp/out" 2>"$tmp/err" || fail "QMT dry run exited $?"
expect_grep "QMT: found" \
  "svscan scans /var/qmail/supervise (no svscan running; no /service or /etc/service, and /var/qmail/supervise holds services (QMailToaster))" "$tmp/out"
expect_grep "QMT: built under a dot name" "+ install -m 0755 (new) /var/qmail/supervise/.relaywatch/run:" "$tmp/out"
expect_grep "QMT: renamed last" "+ mv $r5/var/qmail/supervise/.relaywatch $r5/var/qmail/supervise/relaywatch" "$tmp/out"
expect_eq "QMT: the rename is the last action" "$(grep '^+ ' "$tmp/out" | tail -n 1)" \
  "+ mv $r5/var/qmail/supervise/.relaywatch $r5/var/qmail/supervise/relaywatch"
if grep '^+ ' "$tmp/out" | grep -q "ln -s\|/service"; then
  fail "QMT dry run links or makes /service: $(grep '^+ ' "$tmp/out" | grep "ln -s\|/service")"
fi
sh "$script" --root "$r5" >"$tmp/out" 2>"$tmp/err" || { fail "QMT install exited $?"; cat "$tmp/err"; }
[ ! -e "$r5/service" ] && ok "QMT: no /service made" || fail "QMT: /service was made"
[ ! -e "$r5/var/qmail/supervise/.relaywatch" ] && ok "QMT: no .relaywatch left" || fail "QMT: .relaywatch left"
expect_eq "QMT: log/run exec line" "$(grep '^exec' "$r5/var/qmail/supervise/relaywatch/log/run")" \
  "exec setuidgid qmaill multilog t s1000000 n10 /var/log/qmail/relaywatch"
expect_grep "QMT: says how to remove it" \
  "cd /var/qmail/supervise && mv relaywatch .relaywatch && svc -dx .relaywatch .relaywatch/log" "$tmp/out"
sh "$script" --root "$r5" >"$tmp/out" 2>&1 || fail "QMT second run exited $?"
expect_eq "QMT: second run" "$(tail -n 1 "$tmp/out")" \
  "install-supervise.sh: /var/qmail/supervise/relaywatch is already set up; nothing to do"
# A leftover .relaywatch (an interrupted install, a removal under way) is refused, not reused.
r6=$tmp/qmt2
new_root "$r6" toaster
mkdir -p "$r6/var/qmail/supervise/.relaywatch"
if sh "$script" --root "$r6" >"$tmp/out" 2>"$tmp/err"; then fail "QMT: a leftover .relaywatch was not refused"; fi
expect_grep "QMT: .relaywatch refused" "/var/qmail/supervise/.relaywatch exists" "$tmp/err"
if sh "$script" --root "$r6" --no-link >"$tmp/out" 2>"$tmp/err"; then fail "QMT: --no-link was not refused"; fi
expect_grep "QMT: --no-link refused" "svscan scans /var/qmail/supervise itself" "$tmp/err"

# --- A bare root: no qmail group, no qmaill, no /var/log/qmail, no service directory. ---
r3=$tmp/bare
new_root "$r3" bare
sh "$script" --root "$r3" >"$tmp/out" 2>"$tmp/err" || { fail "bare install exited $?"; cat "$tmp/err"; }
expect_eq "bare: primary group nogroup" "$(field relaywatch "$r3/etc/passwd" 4)" 65534
expect_eq "bare: log/run exec line" "$(grep '^exec' "$r3/var/qmail/supervise/relaywatch/log/run")" \
  "exec setuidgid relaywatch multilog t s1000000 n10 ./main"
uid3=$(field relaywatch "$r3/etc/passwd" 3)
expect_eq "bare: ./main owned by relaywatch" \
  "$(stat -c '%a %u' "$r3/var/qmail/supervise/relaywatch/log/main")" "750 $uid3"
expect_eq "bare: /service created and linked" "$(readlink "$r3/service/relaywatch")" \
  /var/qmail/supervise/relaywatch

# --- Usage. ---
set +e
sh "$script" --bogus >/dev/null 2>"$tmp/err"; expect_eq "unknown option exit" $? 2
sh "$script" --root relative >/dev/null 2>"$tmp/err"; expect_eq "relative root exit" $? 1
expect_grep "relative root message" "--root must be an absolute directory, got relative" "$tmp/err"
sh "$script" --root "$r3" --log-dir logs >/dev/null 2>"$tmp/err"; expect_eq "bad log dir exit" $? 1
set -e

# --- Running, under a real svscan in a chroot. ---
# The root holds this machine's daemontools, sh, mv, rm and the built relaywatch with their
# libraries, the shipped config (it finds the submission log from its log/run), and a submission
# log with real lines.
copy_bin() {  # copy_bin ROOT PROGRAM...: the programs and the libraries they load
  root=$1
  shift
  for prog in "$@"; do
    for f in "$prog" $(ldd "$prog" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
      mkdir -p "$root$(dirname "$f")"
      [ -e "$root$f" ] || cp -L "$f" "$root$f"
    done
  done
}
running_root() {  # running_root DIR: a toaster root that can run the service
  new_root "$1" toaster
  copy_bin "$1" /bin/sh /bin/mv /bin/rm /usr/bin/env "$(command -v svscan)" "$(command -v supervise)" \
    "$(command -v svc)" "$(command -v svok)" "$(command -v svstat)" "$(command -v setuidgid)" \
    "$(command -v multilog)"
  mkdir -p "$1/usr/bin" "$1/etc/relaywatch" "$1/dev" "$1/tmp"
  cp "$relaywatch_bin" "$1/usr/bin/relaywatch"
  copy_bin "$1" "$relaywatch_bin"
  rm -f "$1$relaywatch_bin"
  chmod 1777 "$1/tmp"
  printf 'passwd: files\ngroup: files\n' >"$1/etc/nsswitch.conf"
  mknod -m 0666 "$1/dev/null" c 1 3
  cp "$src/config/relaywatch.yaml" "$1/etc/relaywatch/relaywatch.yaml"
  grep -h '^@4000' "$src/tests/fixtures/real.txt" "$src/tests/fixtures/constructed.txt" \
    >"$1/var/log/qmail/submission/current"
  chown -R 7501:2107 "$1/var/log/qmail"
  chmod 0750 "$1/var/log/qmail" "$1/var/log/qmail/submission"
  # qmail's own service stays down: only relaywatch and its log run here.
  touch "$1/var/qmail/supervise/submission/down" "$1/var/qmail/supervise/submission/log/down"
}
start_svscan() {  # start_svscan ROOT DIR: svscan DIR chrooted into ROOT, output to ROOT.svscan
  chroot "$1" /usr/bin/env -i PATH=/usr/bin:/bin svscan "$2" >"$1.svscan" 2>&1 </dev/null &
  svscans="$svscans $!"
}
in_root() { root=$1; shift; chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin "$@"; }
relaywatch_pid() {  # relaywatch_pid ROOT SERVICE: the pid svstat shows up
  in_root "$1" svstat "$2" 2>/dev/null | sed -n 's/.*: up (pid \([0-9]*\)).*/\1/p'
}
is_up() { [ -n "$(relaywatch_pid "$1" "$2")" ]; }
not_supervised() { ! in_root "$1" svok "$2"; }
relaywatch_runs_in() {  # relaywatch_runs_in ROOT: a relaywatch process chrooted there
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$1" ] && [ "$(readlink "$p/exe" 2>/dev/null)" = "$1/usr/bin/relaywatch" ] && return 0
  done
  return 1
}
check_running() {  # check_running WHAT ROOT SERVICE LOG
  what=$1 root=$2 service=$3 log=$4
  if wait_for 15 is_up "$root" "$service"; then
    ok "$what: svscan started it: $(in_root "$root" svstat "$service")"
  else
    fail "$what: not up: $(in_root "$root" svstat "$service" "$service/log" 2>&1); svscan said: $(cat "$root.svscan")"
    return
  fi
  pid=$(relaywatch_pid "$root" "$service")
  want_uid=$(field relaywatch "$root/etc/passwd" 3)
  want_gid=$(field relaywatch "$root/etc/passwd" 4)
  expect_eq "$what: it runs as relaywatch and its primary group (setuidgid)" \
    "$(ps -o uid=,gid= -p "$pid" | tr -s ' ' | sed 's/^ //')" "$want_uid $want_gid"
  expect_eq "$what: it is relaywatch" "$(readlink "/proc/$pid/exe")" "$root/usr/bin/relaywatch"
  if wait_for 15 grep -q "info: relaywatch .* started" "$root$log/current"; then
    ok "$what: its log, through multilog, in $log"
  else
    fail "$what: no start in $log/current: $(cat "$root$log/current" 2>&1 | tail -5)"
  fi
  if grep -q "unable" "$root.svscan"; then
    fail "$what: supervise complained (a service seen before it was complete?): $(cat "$root.svscan")"
  fi
}

# A /service tree: svscan runs first, as on a live server.
rs=$tmp/run-service
running_root "$rs"
mkdir "$rs/service"
start_svscan "$rs" /service
sleep 0.5
sh "$script" --root "$rs" >"$tmp/out" 2>"$tmp/err" || { fail "/service: install exited $?"; cat "$tmp/err"; }
expect_grep "/service: found from the running svscan" "svscan scans /service (scanned by the running svscan)" "$tmp/out"
check_running "/service" "$rs" /service/relaywatch /var/log/qmail/relaywatch
# README, "Run under daemontools", removal for /service (and /etc/service).
in_root "$rs" sh -c 'cd /service/relaywatch && rm /service/relaywatch && svc -dx . log' ||
  fail "/service: the README's removal commands failed"
if wait_for 10 not_supervised "$rs" /var/qmail/supervise/relaywatch &&
  wait_for 10 not_supervised "$rs" /var/qmail/supervise/relaywatch/log; then
  ok "/service: supervise for relaywatch and its log exited"
else
  fail "/service: supervise still runs: $(in_root "$rs" svstat /var/qmail/supervise/relaywatch /var/qmail/supervise/relaywatch/log)"
fi
rm -rf "$rs/var/qmail/supervise/relaywatch"
sleep 6   # one more svscan scan
relaywatch_runs_in "$rs" && fail "/service: relaywatch runs again after the removal" || ok "/service: removed; it stays gone"

# A QMailToaster tree: svscan scans /var/qmail/supervise itself.
rq=$tmp/run-qmt
running_root "$rq"
start_svscan "$rq" /var/qmail/supervise
sleep 0.5
sh "$script" --root "$rq" >"$tmp/out" 2>"$tmp/err" || { fail "QMT: install exited $?"; cat "$tmp/err"; }
expect_grep "QMT: found from the running svscan" "svscan scans /var/qmail/supervise (scanned by the running svscan)" "$tmp/out"
[ ! -e "$rq/service" ] && ok "QMT: no /service made" || fail "QMT: /service was made"
check_running "QMT" "$rq" /var/qmail/supervise/relaywatch /var/log/qmail/relaywatch
# Why the README renames first: svc -dx alone is undone, svscan's next scan starts it again.
pid_before=$(relaywatch_pid "$rq" /var/qmail/supervise/relaywatch)
in_root "$rq" svc -dx /var/qmail/supervise/relaywatch
restarted() { pid=$(relaywatch_pid "$rq" /var/qmail/supervise/relaywatch); [ -n "$pid" ] && [ "$pid" != "$pid_before" ]; }
if wait_for 12 restarted; then
  ok "QMT: svc -dx alone is undone: svscan started it again ($(in_root "$rq" svstat /var/qmail/supervise/relaywatch))"
else
  fail "QMT: after svc -dx alone svscan did not start it again: $(in_root "$rq" svstat /var/qmail/supervise/relaywatch 2>&1)"
fi
# README, "Run under daemontools", removal on a toaster: out of svscan's sight first, then down.
in_root "$rq" sh -c 'cd /var/qmail/supervise && mv relaywatch .relaywatch && svc -dx .relaywatch .relaywatch/log' ||
  fail "QMT: the README's removal commands failed"
if wait_for 10 not_supervised "$rq" /var/qmail/supervise/.relaywatch &&
  wait_for 10 not_supervised "$rq" /var/qmail/supervise/.relaywatch/log; then
  ok "QMT: supervise for relaywatch and its log exited"
else
  fail "QMT: supervise still runs: $(in_root "$rq" svstat /var/qmail/supervise/.relaywatch 2>&1)"
fi
sleep 6   # one more svscan scan: it must not start it again
relaywatch_runs_in "$rq" && fail "QMT: svscan started relaywatch again after svc -dx" || ok "QMT: svc -dx stuck; svscan did not restart it"
rm -rf "$rq/var/qmail/supervise/.relaywatch"
[ -z "$(ls -A "$rq/var/qmail/supervise" | grep -v '^submission$')" ] && ok "QMT: nothing left in /var/qmail/supervise" ||
  fail "QMT: left in /var/qmail/supervise: $(ls -A "$rq/var/qmail/supervise")"

if [ "$failures" != 0 ]; then
  echo "install_supervise_test: $failures failures"
  exit 1
fi
echo "install_supervise_test: ok"
