#!/bin/sh
# install-supervise.sh in temporary roots: a QMailToaster-like one (group qmail, user qmaill,
# /var/log/qmail) and a bare one; dry run, real run, second run, refusals, usage errors.
# Needs root (useradd --root chroots into the test root); exits 77 (skipped) otherwise.
# Not tested here: the service actually running under supervise (deb_test.sh does that in a
# Debian chroot), /etc/service selection with daemontools-run, NSS (getent) lookups on /.
# Usage: install_supervise_test.sh SOURCE_DIR
set -eu
src=${1:?usage: install_supervise_test.sh SOURCE_DIR}
script=$src/packaging/install-supervise.sh
if [ "$(id -u)" != 0 ]; then
  echo "install_supervise_test: skipped: needs root (useradd --root)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_eq() {  # expect_eq WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}
expect_grep() {  # expect_grep WHAT PATTERN FILE
  grep -q -- "$2" "$3" || { fail "$1: no '$2' in $3:"; sed 's/^/    /' "$3"; }
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
    mkdir -p "$1/var/log/qmail/submission" "$1/var/qmail/supervise/submission/log" "$1/service"
  fi
}
field() { grep "^$1:" "$2" | cut -d: -f"$3"; }

# --- A toaster: dry run first. ---
r=$tmp/toaster
new_root "$r" toaster
snapshot "$r" >"$tmp/before"
sh "$script" --root "$r" --dry-run >"$tmp/out" 2>"$tmp/err" || fail "dry run exited $?"
snapshot "$r" >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" || fail "dry run changed the root: $(diff "$tmp/before" "$tmp/after")"
expect_grep "dry run says so" "dry run: nothing is changed" "$tmp/out"
expect_grep "dry run: user" "+ useradd --root $r --system --gid qmail --home-dir /var/lib/relaywatch" "$tmp/out"
expect_grep "dry run: state dir" "+ chmod 0700 $r/var/lib/relaywatch" "$tmp/out"
expect_grep "dry run: run" "+ install -m 0755 (new) /var/qmail/supervise/relaywatch/run:" "$tmp/out"
expect_grep "dry run: log/run content" "| exec setuidgid qmaill multilog t s1000000 n10 /var/log/qmail/relaywatch" "$tmp/out"
expect_grep "dry run: log dir owner" "+ chown qmaill:nofiles /var/log/qmail/relaywatch" "$tmp/out"
expect_grep "dry run: link" "+ ln -s /var/qmail/supervise/relaywatch $r/service/relaywatch" "$tmp/out"

# --- The real run. ---
sh "$script" --root "$r" >"$tmp/out" 2>"$tmp/err" || { fail "install exited $?"; cat "$tmp/err"; }
expect_grep "says where to look" "svstat /service/relaywatch" "$tmp/out"
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
expect_eq "second run output" "$(cat "$tmp/out")" \
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
r2=$tmp/toaster2
new_root "$r2" toaster
ln -s /opt/other/relaywatch "$r2/service/relaywatch"
if sh "$script" --root "$r2" >"$tmp/out" 2>"$tmp/err"; then fail "a foreign link was not refused"; fi
expect_grep "foreign link" "/service/relaywatch exists and is /opt/other/relaywatch" "$tmp/err"
[ ! -e "$r2/var/qmail/supervise/relaywatch" ] || fail "the refused run created the service dir"
sh "$script" --root "$r2" --no-link >"$tmp/out" 2>"$tmp/err" || fail "--no-link exited $?"
expect_eq "--no-link leaves the link" "$(readlink "$r2/service/relaywatch")" /opt/other/relaywatch

# --- A bare root: no qmail group, no qmaill, no /var/log/qmail. ---
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

if [ "$failures" != 0 ]; then
  echo "install_supervise_test: $failures failures"
  exit 1
fi
echo "install_supervise_test: ok"
