#!/bin/sh
# relaywatch under real daemontools supervise, from a copy of the repo's supervise/relaywatch/run.
#
# The copy differs from the shipped script in two words only: `setuidgid nobody` instead of
# `setuidgid relaywatch` (no such user on a test machine; the test runs as root, so supervise runs
# as root and the daemon drops to nobody exactly as it would to relaywatch), and the build's
# binary and a test config instead of `relaywatch` and /etc/relaywatch/relaywatch.yaml. The log
# dir it follows is a real multilog dir, world-readable (0755 dir, 0644 files), and state_dir is
# created 0700 and owned by nobody, as an install would. supervise's output (the run script does
# `exec 2>&1`) goes to a file that stands in for log/run's multilog.
# Checks: svstat says up with the daemon's pid, the daemon runs as uid 65534; `svc -h` reloads
# (its log says so, same pid); `svc -t` makes it checkpoint and exit 0 (seen by strace on the
# pid) and supervise starts a new one that resumes from the checkpoint and answers status;
# `svc -dx` stops it (exit 0) and supervise exits; svstat then says supervise is not running.
#
# usage: supervise_test.sh RELAYWATCH_BINARY REPO_DIR      (needs root: setuidgid)
set -eu
bin=$(readlink -f "$1")
repo=$(readlink -f "$2")
say() { printf '%s\n' "$*"; }
fail() { say "FAIL: $*"; say "--- supervise output:"; tail -n 20 "$tmp/out" 2>/dev/null || true; exit 1; }
ok() { say "  ok: $*"; }

[ "$(id -u)" = 0 ] || { say "supervise_test: needs root (setuidgid nobody)"; exit 1; }
for p in supervise svc svstat setuidgid multilog strace; do
  command -v "$p" >/dev/null || { say "supervise_test: $p not installed"; exit 1; }
done

tmp=$(mktemp -d /tmp/rw-daemon-sv-XXXXXX)
chmod 755 "$tmp"
sup_pid=
cleanup() {
  # Only the processes this script started, by pid.
  if [ -n "$sup_pid" ] && kill -0 "$sup_pid" 2>/dev/null; then
    svc -dx "$tmp/service/relaywatch" 2>/dev/null || true
    sleep 1
    kill "$sup_pid" 2>/dev/null || true
  fi
  [ -n "${KEEP:-}" ] && say "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_until() {
  limit=$1; what=$2; shift 2
  i=0
  while ! "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -le $((limit * 10)) ] || fail "timed out after ${limit}s waiting for: $what"
    sleep 0.1
  done
}

svc_dir=$tmp/service/relaywatch
mkdir -p "$svc_dir" "$tmp/log"
install -d -m 0700 -o nobody "$tmp/state"
sed -e "s|setuidgid relaywatch relaywatch run -c /etc/relaywatch/relaywatch.yaml|setuidgid nobody $bin run -c $tmp/relaywatch.yaml|" \
    "$repo/supervise/relaywatch/run" >"$svc_dir/run"
chmod 755 "$svc_dir/run"
grep -q "^exec setuidgid nobody $bin run -c $tmp/relaywatch.yaml\$" "$svc_dir/run" ||
  fail "the shipped run script no longer has the line this test adapts"
ok "run script: $(grep '^exec setuidgid' "$svc_dir/run")"
cat >"$tmp/relaywatch.yaml" <<EOF
hostname: mx-sv.example
state_dir: $tmp/state
startup: warm
sources:
  supervise_dir: ""
  logs: [{service: submission, dir: $tmp/log}]
rules:
  - {name: hourly-volume, kind: volume, window: 1h, limit: 1000}
alerts:
  channels: []
EOF
chmod 644 "$tmp/relaywatch.yaml"

i=0
while [ $i -lt 30 ]; do
  i=$((i + 1))
  echo "CHKUSER relaying rcpt: from <s@dom.example:s@dom.example:> remote <pc:unknown:10.0.0.2> rcpt <x$i@gmail.example> : client allowed to relay"
done | multilog t s4096 n20 "$tmp/log"

supervise "$svc_dir" >"$tmp/out" 2>&1 &
sup_pid=$!

svstat_pid() { svstat "$svc_dir" | sed -n 's/.*: up (pid \([0-9]*\)).*/\1/p'; }
status_lines() { "$bin" status -c "$tmp/relaywatch.yaml" --format text | sed -n 's/^lines \([0-9]*\) .*/\1/p'; }
has_lines() { [ "$(status_lines)" = "$1" ]; }
log_count() { grep -c -- "$1" "$tmp/out" || true; }

say "== supervise starts relaywatch"
wait_until 20 "svstat up" sh -c "svstat '$svc_dir' | grep -q ': up (pid '"
wait_until 30 "status shows 30 lines" has_lines 30
pid1=$(svstat_pid)
say "  svstat: $(svstat "$svc_dir")"
svstat "$svc_dir" | grep -Eq "^$svc_dir: up \(pid $pid1\) [0-9]+ seconds\$" || fail "svstat format"
ok "svstat: up (pid $pid1) N seconds"
[ "$(readlink /proc/"$pid1"/exe)" = "$bin" ] || fail "pid $pid1 is not $bin"
uid=$(awk '/^Uid:/ {print $2}' /proc/"$pid1"/status)
[ "$uid" = 65534 ] || fail "daemon uid $uid, expected 65534 (nobody)"
ok "svstat's pid is relaywatch itself, running as nobody (uid 65534)"
ok "status answers: 30 lines read from the multilog dir as nobody"
wait_until 10 "a checkpoint" test -f "$tmp/state/checkpoint"
[ "$(stat -c %U "$tmp/state/checkpoint")" = nobody ] || fail "checkpoint not owned by nobody"
ok "checkpoint written by nobody"

say "== svc -h"
svc -h "$svc_dir"
wait_until 20 "reloaded in the log" grep -q "info: reloaded $tmp/relaywatch.yaml" "$tmp/out"
[ "$(svstat_pid)" = "$pid1" ] || fail "pid changed on svc -h"
ok "svc -h: its log says reloaded; still pid $pid1"

say "== svc -t"
strace -qq -e trace=exit_group -e signal=none -p "$pid1" -o "$tmp/exit1.trace" &
tr1=$!
wait_until 10 "strace attached" grep -q 'TracerPid:.*[1-9]' /proc/"$pid1"/status
svc -t "$svc_dir"
wait_until 20 "a new pid" sh -c "svstat '$svc_dir' | grep ': up (pid ' | grep -vq '(pid $pid1)'"
wait "$tr1" || true
grep -q "exit_group(0)" "$tmp/exit1.trace" || fail "exit status: $(cat "$tmp/exit1.trace")"
ok "svc -t: pid $pid1 exited 0 ($(grep -o 'exit_group(0)' "$tmp/exit1.trace"))"
[ "$(log_count 'stopping on SIGTERM')" = 1 ] || fail "no 'stopping on SIGTERM' in the log"
ok "its log says: $(grep 'stopping on SIGTERM' "$tmp/out")"
pid2=$(svstat_pid)
wait_until 20 "status answers again" has_lines 30
ok "supervise restarted it (pid $pid2); status answers again with the same 30 lines"
[ "$(log_count 'from the checkpoint')" = 1 ] || fail "the new daemon did not resume from the checkpoint"
ok "the new one resumed from the checkpoint"

say "== svc -dx"
strace -qq -e trace=exit_group -e signal=none -p "$pid2" -o "$tmp/exit2.trace" &
tr2=$!
wait_until 10 "strace attached" grep -q 'TracerPid:.*[1-9]' /proc/"$pid2"/status
svc -dx "$svc_dir"
wait_until 20 "supervise exits" sh -c "! kill -0 $sup_pid"
wait "$sup_pid" || true
wait "$tr2" || true
grep -q "exit_group(0)" "$tmp/exit2.trace" || fail "exit status: $(cat "$tmp/exit2.trace")"
kill -0 "$pid2" 2>/dev/null && fail "pid $pid2 still running"
ok "svc -dx: relaywatch exited 0 and supervise exited"
st=$(svstat "$svc_dir" 2>&1 || true)
say "  svstat: $st"
case $st in
  *"supervise not running"*) ok "svstat: supervise not running" ;;
  *) fail "svstat after -dx: $st" ;;
esac
[ "$(log_count 'stopping on SIGTERM')" = 2 ] || fail "second stop not logged"
grep -Eq "^(error|critical)|internal error" "$tmp/out" &&
  fail "errors in the log: $(grep -E '^(error|critical)|internal error' "$tmp/out")"
ok "no error in its log"
sup_pid=
say PASS
